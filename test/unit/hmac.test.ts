import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256 } from "../../src/tracking/hmac.ts";

describe("hmacSha256", () => {
  it("is RFC 2104 HMAC-SHA-256 for short, block-size and long keys and any printable text", () => {
    for (const secret of ["k", "s".repeat(64), randomBytes(48).toString("base64url"), "é".repeat(40)]) {
      const sign = hmacSha256(secret);
      for (const text of ["", "a", "eyJhbGciOiJIUzI1NiJ9.eyJjbGlja0lkIjoiMSJ9", "x".repeat(1024), " !~{}"]) {
        expect(sign(text)).toBe(createHmac("sha256", secret).update(text).digest("base64url"));
      }
      // Texts of other lengths after a long one: no byte of the previous text is signed.
      expect(sign("ab")).toBe(createHmac("sha256", secret).update("ab").digest("base64url"));
    }
  });

  it("signs nothing but short printable ASCII", () => {
    const sign = hmacSha256("secret");
    expect(sign("š")).toBeNull();
    expect(sign("a\nb")).toBeNull();
    expect(sign("x".repeat(1025))).toBeNull();
  });
});
