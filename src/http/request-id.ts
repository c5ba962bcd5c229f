/**
 * The id of a request, echoed in `x-request-id` and in its log lines: the caller's when it is sane,
 * else a UUID-shaped id made of this process's random prefix and a counter: unique across instances
 * and restarts, and nearly free (a random UUID per request was a tenth of what a tracked redirect
 * allocated).
 */
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** "xxxxxxxx-xxxx-4xxx-8xxx-": 72 random bits, the version and variant digits of a v4 UUID. */
const PREFIX = (() => {
  const hex = randomBytes(9).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-8${hex.slice(15, 18)}-`;
})();
const COUNTER_LIMIT = 2 ** 48;
let counter = 0;

export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers["x-request-id"];
  const id = Array.isArray(given) ? given[0] : given;
  if (id && REQUEST_ID.test(id)) return id;
  counter = (counter + 1) % COUNTER_LIMIT;
  return PREFIX + counter.toString(16).padStart(12, "0");
}
