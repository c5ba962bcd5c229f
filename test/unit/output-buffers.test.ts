import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { OutputBuffers } from "../../src/search/output-buffers.ts";

const response = () => new EventEmitter() as unknown as ServerResponse;
const pieces = (...texts: string[]) => texts.map((t) => Buffer.from(t));

describe("OutputBuffers", () => {
  it("joins the pieces, and reuses a buffer only once its response is done with it", () => {
    const pool = new OutputBuffers();
    const first = response();
    const a = pool.join(pieces('{"a":', "1", "}"), first);
    expect(a.toString()).toBe('{"a":1}');
    // Still being sent: a second answer gets another buffer, and the first one is intact.
    const b = pool.join(pieces('{"b":', "22", "}"), response());
    expect(b.buffer).not.toBe(a.buffer);
    expect(a.toString()).toBe('{"a":1}');
    first.emit("finish");
    first.emit("close"); // given back once, not twice
    const c = pool.join(pieces("[", "3", "]"), response());
    expect(c.buffer).toBe(a.buffer);
    expect(c.toString()).toBe("[3]");
    const d = pool.join(pieces("[4]"), response());
    expect(d.buffer).not.toBe(c.buffer);
  });

  it("gives a closed connection's buffer back too, and does not keep the largest answers", () => {
    const pool = new OutputBuffers(64 * 1024);
    const aborted = response();
    const a = pool.join(pieces("x".repeat(20_000)), aborted);
    expect(a.length).toBe(20_000);
    aborted.emit("close");
    expect(pool.join(pieces("y"), response()).buffer).not.toBe(a.buffer); // another size class
    expect(pool.join(pieces("z".repeat(17_000)), response()).buffer).toBe(a.buffer);
    const huge = pool.join(pieces("h".repeat(100_000)), response());
    expect(huge.toString()).toBe("h".repeat(100_000));
  });
});
