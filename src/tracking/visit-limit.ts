/**
 * How many tracking requests (`/r/*`) one address may make per window before they stop being
 * recorded (today: 120 a minute). Past the limit a redirect still sends the visitor on (nobody is
 * stuck on an error page) without recording the click, and a beacon answers 429. Counted in this
 * process's memory: a redirect never waits for a shared counter. What was turned away is counted
 * and logged once per window, without the addresses.
 */
import { HttpError } from "../http/errors.ts";

export interface VisitLimitOptions {
  enabled: boolean;
  max: number;
  windowMs: number;
  log: { warn: (obj: object, msg: string) => void };
}

export class VisitLimit {
  private counts = new Map<string, number>();
  private windowEnds = 0;
  private refused = 0;
  private refusedAddresses = 0;

  constructor(private readonly options: VisitLimitOptions) {}

  /** Counts one request from `address`; false when it is over the limit. */
  allow(address: string, now = Date.now()): boolean {
    if (!this.options.enabled) return true;
    if (now >= this.windowEnds) this.nextWindow(now);
    const count = (this.counts.get(address) ?? 0) + 1;
    this.counts.set(address, count);
    if (count <= this.options.max) return true;
    if (count === this.options.max + 1) this.refusedAddresses += 1;
    this.refused += 1;
    return false;
  }

  /** Seconds until the current window ends (for `Retry-After`). */
  retryAfterS(now = Date.now()): number {
    return Math.max(1, Math.ceil((this.windowEnds - now) / 1000));
  }

  /** Counts a beacon from `address`; past the limit, throws its 429 (a link redirects instead). */
  admitBeacon(address: string, reply: { header(name: string, value: number): unknown }): void {
    if (this.allow(address)) return;
    const seconds = this.retryAfterS();
    reply.header("retry-after", seconds);
    throw new HttpError(429, "TOO_MANY_REQUESTS", `Trop de requêtes de suivi depuis cette adresse : réessayez dans ${seconds} s.`);
  }

  private nextWindow(now: number): void {
    if (this.refused > 0) {
      this.options.log.warn(
        { refused: this.refused, addresses: this.refusedAddresses, max: this.options.max, windowMs: this.options.windowMs },
        "suivi : requêtes au-delà de la limite par adresse, non enregistrées",
      );
    }
    this.counts = new Map();
    this.refused = 0;
    this.refusedAddresses = 0;
    this.windowEnds = now + this.options.windowMs;
  }
}
