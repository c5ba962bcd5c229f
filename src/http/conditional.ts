/** Conditional GETs: whether a request's If-None-Match names the answer's current ETag. */
import type { FastifyRequest } from "fastify";

/** Weak comparison, as RFC 9110 asks for If-None-Match: `W/"x"` and `"x"` name the same answer; `*` any. */
export function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers["if-none-match"];
  if (!header) return false;
  const opaque = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === opaque;
  });
}
