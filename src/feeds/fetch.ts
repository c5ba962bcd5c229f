/**
 * SSRF-safe download of an annonceur's XML feed.
 *
 * - Every connection goes through a dedicated undici Agent whose DNS lookup refuses non-public
 *   addresses (see `isPublicAddress`), so the check applies to the address actually connected to:
 *   no gap for DNS rebinding. Literal IPs in URLs are checked before connecting.
 * - Redirects are followed by hand (at most 3), each target re-checked; the Authorization header
 *   is dropped for good once a redirect leaves the original origin.
 * - Conditional GET (ETag / Last-Modified), gzip/deflate decoding, a limit on the decoded size
 *   (decompression bombs), a connect timeout and a total timeout that also covers the body.
 * - Every failure, including those raised while the caller iterates `body`, is a `FeedFetchError`
 *   with a French message for the annonceur.
 */
import dns from "node:dns";
import { STATUS_CODES } from "node:http";
import { isIP, type LookupFunction } from "node:net";
import { Readable, pipeline } from "node:stream";
import zlib from "node:zlib";
import { Agent, buildConnector } from "undici";
import type { Dispatcher } from "undici";
import { checkFeedUrl, isPublicAddress } from "./network-guard.ts";
import { formatBytes } from "./byte-size.ts";

export type FeedFetchErrorCode =
  | "UNSAFE_URL"
  | "TIMEOUT"
  | "HTTP_ERROR"
  | "NETWORK"
  | "TOO_LARGE"
  | "TOO_MANY_REDIRECTS"
  | "DECODING";

/** Why a feed could not be downloaded; `message` is French and says what to fix. */
export class FeedFetchError extends Error {
  constructor(
    readonly code: FeedFetchErrorCode,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = "FeedFetchError";
  }
}

export interface FetchFeedOptions {
  /** HTTP Basic authentication, sent when both are set. */
  username?: string | null;
  password?: string | null;
  /** Conditional GET: sent as If-None-Match / If-Modified-Since. */
  etag?: string | null;
  lastModified?: string | null;
  /** FEED_ALLOW_PRIVATE_NETWORKS: every address is allowed (local development only). */
  allowPrivateNetworks: boolean;
  /** Time allowed to open each connection (DNS + TCP + TLS), in ms. Default 10 s. */
  connectTimeoutMs?: number;
  /** Time allowed for the whole download, headers and body (while the caller reads it), in ms. Default 10 min. */
  totalTimeoutMs?: number;
  /** Limit on the decoded body and on Content-Length, in bytes. Default 1 GiB. */
  maxBytes?: number;
  userAgent?: string;
  /** Stops the download; the pending call or the body iteration fails with a `TIMEOUT` error. */
  signal?: AbortSignal;
  /** Tests only: replaces isPublicAddress as the address policy (e.g. allow 127.0.0.1 only). */
  addressPolicy?: (ip: string) => boolean;
}

export type FetchFeedResult =
  | { status: "not-modified"; url: string }
  | {
      status: "ok";
      /** Final URL, after redirects. */
      url: string;
      /** Decoded body; can be iterated once. Stop iterating (break) to abort the download. */
      body: AsyncIterable<Buffer>;
      etag: string | null;
      lastModified: string | null;
      /** Content-Length when the body is not compressed (so it is the length of `body`), else null. */
      contentLength: number | null;
    };

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 600_000;
export const DEFAULT_MAX_FEED_BYTES = 1024 ** 3;
export const DEFAULT_USER_AGENT = "API Engagement (import de flux)";
/** Redirects followed; one more is an error. */
export const MAX_REDIRECTS = 3;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Downloads the feed at `url`. Resolves once the response headers are in: either `not-modified`
 * (HTTP 304) or `ok` with a lazily downloaded, decoded `body`. The connection and the timers are
 * released when `body` has been read to the end, when the caller stops iterating it, or on error;
 * the total timeout releases them too if `body` is never read.
 */
export async function fetchFeed(url: string, options: FetchFeedOptions): Promise<FetchFeedResult> {
  const checked = checkFeedUrl(url);
  if (!checked.ok) throw new FeedFetchError("UNSAFE_URL", checked.message);

  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FEED_BYTES;
  const session = new FetchSession(options);
  let current = checked.url;
  try {
    let authorization = basicAuthorization(options.username, options.password);
    for (let redirects = 0; ; redirects++) {
      const response = await session.get(current, requestHeaders(options, authorization));
      const { statusCode, headers } = response;

      if (REDIRECT_STATUSES.has(statusCode)) {
        discard(response.body);
        const location = headerValue(headers, "location");
        if (location === null) {
          throw new FeedFetchError(
            "HTTP_ERROR",
            `Le serveur du flux (${current.host}) a répondu ${statusLabel(statusCode)} sans adresse de redirection : vérifiez l'adresse du flux`,
            statusCode,
          );
        }
        if (redirects >= MAX_REDIRECTS) {
          throw new FeedFetchError(
            "TOO_MANY_REDIRECTS",
            `L'adresse du flux redirige plus de ${MAX_REDIRECTS} fois : indiquez directement l'adresse finale du flux`,
          );
        }
        const next = redirectTarget(location, current);
        if (next.origin !== current.origin) authorization = null;
        current = next;
        continue;
      }

      if (statusCode === 304) {
        discard(response.body);
        session.close();
        return { status: "not-modified", url: current.href };
      }

      if (statusCode < 200 || statusCode >= 300) {
        discard(response.body);
        throw httpError(statusCode);
      }

      const contentLength = parseContentLength(headerValue(headers, "content-length"));
      if (contentLength !== null && contentLength > maxBytes) {
        discard(response.body);
        throw tooLarge(maxBytes);
      }
      const encodings = contentEncodings(headerValue(headers, "content-encoding"));
      const host = current.host;
      return {
        status: "ok",
        url: current.href,
        body: decodedBody(session, response.body, encodings, maxBytes, host),
        etag: headerValue(headers, "etag"),
        lastModified: headerValue(headers, "last-modified"),
        contentLength: encodings.length === 0 ? contentLength : null,
      };
    }
  } catch (error) {
    session.close();
    throw session.toFeedError(error, current.host);
  }
}

/** Raised by the guarded connector/lookup when an address is refused; becomes `UNSAFE_URL`. */
class RefusedAddressError extends Error {
  readonly code = "FEED_REFUSED_ADDRESS";
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`address ${address} refused for ${hostname}`);
  }
}

/**
 * One download: the guarded Agent, the total timer and the caller's signal. `close` releases all
 * of them and may be called any number of times.
 */
class FetchSession {
  readonly #agent: Agent;
  readonly #abort = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort = () => this.#stop();
  readonly #policy: (ip: string) => boolean;
  readonly #connectTimeoutMs: number;
  readonly #totalTimeoutMs: number;
  #timedOut = false;
  #closed = false;

  constructor(options: FetchFeedOptions) {
    this.#policy = options.addressPolicy ?? (options.allowPrivateNetworks ? () => true : isPublicAddress);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#totalTimeoutMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;

    const connector = buildConnector({ timeout: this.#connectTimeoutMs, lookup: guardedLookup(this.#policy) });
    const policy = this.#policy;
    this.#agent = new Agent({
      // Literal IPs skip the DNS lookup: check them here, before any socket is opened.
      connect: (connectOptions, callback) => {
        const { hostname } = connectOptions;
        if (isIP(hostname) !== 0 && !policy(hostname)) {
          callback(new RefusedAddressError(hostname, hostname), null);
          return;
        }
        connector(connectOptions, callback);
      },
      // The total timer below is the real limit; these are undici's own safety nets.
      headersTimeout: this.#totalTimeoutMs,
      bodyTimeout: this.#totalTimeoutMs,
    });

    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#stop();
    }, this.#totalTimeoutMs);
    // Never keeps the process alive by itself; an open connection does, and the timer then fires.
    this.#timer.unref();

    this.#callerSignal = options.signal;
    if (this.#callerSignal?.aborted) {
      this.#stop();
    } else {
      this.#callerSignal?.addEventListener("abort", this.#onCallerAbort, { once: true });
    }
  }

  /** One GET, after checking a literal IP host against the policy. */
  async get(url: URL, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    if (this.#abort.signal.aborted) throw this.#abort.signal.reason;
    const ip = literalIp(url);
    if (ip !== null && !this.#policy(ip)) throw new RefusedAddressError(ip, ip);
    return this.#agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: "GET",
      headers,
      signal: this.#abort.signal,
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
    this.#agent.destroy().catch(() => {});
  }

  /** Aborts the request in flight and closes every connection. */
  #stop(): void {
    this.#abort.abort();
    this.close();
  }

  /** Turns anything thrown while fetching or reading the body into a `FeedFetchError`. */
  toFeedError(error: unknown, host: string): FeedFetchError {
    if (error instanceof FeedFetchError) return error;
    if (error instanceof RefusedAddressError) return refusedAddress(error.hostname, error.address);
    if (this.#timedOut) {
      return new FeedFetchError(
        "TIMEOUT",
        `Le téléchargement du flux (${host}) a dépassé la durée maximale de ${formatDuration(this.#totalTimeoutMs)} : vérifiez que le serveur du flux répond rapidement ou allégez le flux`,
      );
    }
    if (this.#callerSignal?.aborted) {
      return new FeedFetchError(
        "TIMEOUT",
        `Le téléchargement du flux (${host}) a été interrompu avant la fin : relancez l'import du flux`,
      );
    }
    const code = errorCode(error);
    if (code === "UND_ERR_CONNECT_TIMEOUT") {
      return new FeedFetchError(
        "TIMEOUT",
        `Impossible de se connecter au serveur du flux (${host}) en ${formatDuration(this.#connectTimeoutMs)} : vérifiez l'adresse du flux et que son serveur est joignable depuis internet`,
      );
    }
    if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
      return new FeedFetchError(
        "TIMEOUT",
        `Le serveur du flux (${host}) a cessé de répondre pendant le téléchargement : vérifiez que le serveur du flux répond rapidement`,
      );
    }
    if (code?.startsWith("Z_") || code === "ERR_ZLIB_INITIALIZATION_FAILED") {
      return new FeedFetchError(
        "DECODING",
        `Le flux compressé envoyé par le serveur (${host}) est illisible (${code}) : vérifiez la compression (gzip ou deflate) configurée sur le serveur du flux`,
      );
    }
    return networkError(error, code, host);
  }
}

/** A DNS lookup that fails with `RefusedAddressError` when any resolved address is refused. */
function guardedLookup(policy: (ip: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, "", 0);
        return;
      }
      const refused = addresses.find((entry) => !policy(entry.address));
      if (refused) {
        callback(new RefusedAddressError(hostname, refused.address) as NodeJS.ErrnoException, "", 0);
        return;
      }
      const first = addresses[0];
      if (options.all) {
        callback(null, addresses);
      } else if (first) {
        callback(null, first.address, first.family);
      } else {
        const notFound: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        notFound.code = "ENOTFOUND";
        callback(notFound, "", 0);
      }
    });
  };
}

/** The IP of a URL whose host is a literal address (brackets removed for IPv6), else null. */
function literalIp(url: URL): string | null {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) !== 0 ? host : null;
}

/** Resolves and checks a Location header against the URL that answered it. */
function redirectTarget(location: string, current: URL): URL {
  let target: URL;
  try {
    target = new URL(location, current);
  } catch {
    throw new FeedFetchError(
      "UNSAFE_URL",
      `Le serveur du flux (${current.host}) redirige vers une adresse invalide : indiquez directement l'adresse finale du flux`,
    );
  }
  const checked = checkFeedUrl(target.href);
  if (!checked.ok) {
    throw new FeedFetchError(
      "UNSAFE_URL",
      `Le serveur du flux (${current.host}) redirige vers une adresse refusée (${target.protocol}//${target.host}) : indiquez directement l'adresse finale du flux, en http:// ou https://, sans identifiants et de moins de 2000 caractères`,
    );
  }
  return checked.url;
}

function requestHeaders(options: FetchFeedOptions, authorization: string | null): Record<string, string> {
  const headers: Record<string, string> = {
    "user-agent": options.userAgent ?? DEFAULT_USER_AGENT,
    accept: "application/xml, text/xml;q=0.9, */*;q=0.8",
    "accept-encoding": "gzip, deflate",
  };
  if (authorization !== null) headers.authorization = authorization;
  if (options.etag) headers["if-none-match"] = options.etag;
  if (options.lastModified) headers["if-modified-since"] = options.lastModified;
  return headers;
}

function basicAuthorization(username: string | null | undefined, password: string | null | undefined): string | null {
  if (!username || password === null || password === undefined) return null;
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/** Drops a response body that is not going to be read. */
function discard(body: Readable): void {
  body.on("error", () => {});
  body.destroy();
}

/** First value of a response header, or null. */
function headerValue(headers: Dispatcher.ResponseData["headers"], name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function parseContentLength(value: string | null): number | null {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return null;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : null;
}

type Encoding = "gzip" | "deflate";

/** Content-Encoding values in the order they were applied; unsupported ones are a `DECODING` error. */
function contentEncodings(header: string | null): Encoding[] {
  if (header === null) return [];
  const encodings: Encoding[] = [];
  for (const raw of header.split(",")) {
    const value = raw.trim().toLowerCase();
    if (value === "" || value === "identity") continue;
    if (value === "gzip" || value === "x-gzip") encodings.push("gzip");
    else if (value === "deflate") encodings.push("deflate");
    else {
      throw new FeedFetchError(
        "DECODING",
        `Le serveur du flux a envoyé une compression non prise en charge (${value.slice(0, 40)}) : configurez-le pour envoyer le flux en gzip, en deflate ou sans compression`,
      );
    }
  }
  return encodings;
}

/**
 * The caller's view of the body: decoded, counted against `maxBytes`, errors turned into
 * `FeedFetchError`, and the session closed however the iteration ends.
 */
async function* decodedBody(
  session: FetchSession,
  raw: Readable,
  encodings: Encoding[],
  maxBytes: number,
  host: string,
): AsyncGenerator<Buffer> {
  let total = 0;
  try {
    let source: AsyncIterable<Buffer> = raw;
    for (const encoding of [...encodings].reverse()) source = inflate(source, encoding);
    for await (const chunk of source) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(maxBytes);
      yield chunk;
    }
  } catch (error) {
    throw session.toFeedError(error, host);
  } finally {
    raw.destroy();
    session.close();
  }
}

/**
 * Decodes one gzip or deflate layer. "deflate" should be zlib-wrapped data, but some servers send
 * raw deflate: the first two bytes tell them apart.
 */
async function* inflate(source: AsyncIterable<Buffer>, encoding: Encoding): AsyncGenerator<Buffer> {
  const chunks = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  try {
    while (head.length < 2) {
      const next = await chunks.next();
      if (next.done) break;
      head = Buffer.concat([head, next.value]);
    }
  } catch (error) {
    await chunks.return?.();
    throw error;
  }
  if (head.length === 0) {
    // Empty body: nothing to decode.
    await chunks.return?.();
    return;
  }

  const decoder =
    encoding === "gzip" ? zlib.createGunzip() : hasZlibHeader(head) ? zlib.createInflate() : zlib.createInflateRaw();
  const input = Readable.from(
    (async function* () {
      try {
        yield head;
        for (;;) {
          const next = await chunks.next();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await chunks.return?.();
      }
    })(),
  );
  // Errors of `input` (network) and of `decoder` (corrupt data) both surface when reading `decoder`.
  pipeline(input, decoder, () => {});
  yield* decoder as AsyncIterable<Buffer>;
}

/** RFC 1950 header: compression method 8 (deflate), window ≤ 32 KiB, header checksum. */
function hasZlibHeader(head: Buffer): boolean {
  const cmf = head[0] ?? 0;
  const flg = head[1] ?? 0;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

function refusedAddress(hostname: string, address: string): FeedFetchError {
  const shown = hostname === address ? hostname : `${hostname} (${address})`;
  return new FeedFetchError(
    "UNSAFE_URL",
    `L'adresse du serveur du flux ${shown} est refusée car les adresses privées, locales (loopback), link-local et CGNAT sont interdites : indiquez une adresse publique (FEED_ALLOW_PRIVATE_NETWORKS=true les autorise pour le développement local)`,
  );
}

function httpError(status: number): FeedFetchError {
  const label = statusLabel(status);
  let advice: string;
  if (status === 401 || status === 403) {
    advice = "vérifiez les identifiants (utilisateur et mot de passe) du flux et ses droits d'accès";
  } else if (status === 404 || status === 410) {
    advice = "vérifiez l'adresse du flux";
  } else if (status === 429) {
    advice = "le serveur limite les téléchargements, réessayez plus tard";
  } else if (status >= 500) {
    advice = "le serveur du flux est en erreur, réessayez plus tard ou contactez son hébergeur";
  } else if (status >= 400) {
    advice = "vérifiez l'adresse du flux et ses paramètres";
  } else {
    advice = "le serveur doit répondre 200 avec le contenu du flux, vérifiez l'adresse du flux";
  }
  return new FeedFetchError("HTTP_ERROR", `Le serveur du flux a répondu ${label} : ${advice}`, status);
}

function statusLabel(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} (${text})` : String(status);
}

function tooLarge(maxBytes: number): FeedFetchError {
  return new FeedFetchError(
    "TOO_LARGE",
    `Le flux dépasse la taille maximale autorisée (${formatBytes(maxBytes)} une fois décompressé) : réduisez le flux ou découpez-le en plusieurs flux`,
  );
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: "la connexion a été refusée",
  ECONNRESET: "la connexion a été coupée par le serveur",
  EPIPE: "la connexion a été coupée par le serveur",
  UND_ERR_SOCKET: "la connexion a été coupée par le serveur",
  ENOTFOUND: "le nom de domaine est introuvable",
  EAI_AGAIN: "le nom de domaine n'a pas pu être résolu (DNS indisponible)",
  EHOSTUNREACH: "le serveur est injoignable",
  ENETUNREACH: "le réseau du serveur est injoignable",
  ETIMEDOUT: "la connexion a expiré",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "la réponse est plus courte ou plus longue que la taille annoncée",
  HPE_INVALID_CONSTANT: "la réponse n'est pas du HTTP valide",
  UND_ERR_INFO: "la réponse n'est pas du HTTP valide",
};

function networkError(error: unknown, code: string | undefined, host: string): FeedFetchError {
  if (code && (code.startsWith("ERR_TLS") || code.includes("CERT") || code.startsWith("ERR_SSL"))) {
    return new FeedFetchError(
      "NETWORK",
      `La connexion HTTPS au serveur du flux (${host}) a échoué (${code}) : le certificat du serveur du flux doit être valide pour ce nom de domaine`,
    );
  }
  const cause = (code && NETWORK_CAUSES[code]) ?? `erreur ${code ?? (error instanceof Error ? error.message : String(error))}`;
  const advice =
    code === "ENOTFOUND" || code === "ECONNREFUSED"
      ? "vérifiez l'adresse du flux et que son serveur est en ligne"
      : "vérifiez que le serveur du flux est en ligne ou réessayez plus tard";
  return new FeedFetchError(
    "NETWORK",
    `Impossible de télécharger le flux depuis ${host} car ${cause}${code && NETWORK_CAUSES[code] ? ` (${code})` : ""} : ${advice}`,
  );
}

/** The `code` of a Node/undici error; for an AggregateError (Happy Eyeballs), the first inner one. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  if (error instanceof AggregateError) return errorCode(error.errors[0]);
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error ? errorCode(cause) : undefined;
}

function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(1)).toLocaleString("fr-FR")} s`;
  return `${ms} ms`;
}
