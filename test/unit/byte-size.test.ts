import { describe, expect, it } from "vitest";
import { formatBytes } from "../../src/feeds/byte-size.ts";

describe("formatBytes", () => {
  it("uses the largest binary unit, one decimal at most, French decimal comma", () => {
    expect(formatBytes(512)).toBe("512 octets");
    expect(formatBytes(1024)).toBe("1 Kio");
    expect(formatBytes(52_428_800)).toBe("50 Mio");
    expect(formatBytes(247_047_593)).toBe("235,6 Mio");
    expect(formatBytes(1024 ** 3)).toBe("1 Gio");
  });
});
