/**
 * fetchFeed against real HTTP servers on 127.0.0.1. The address policy lets 127.0.0.1 through
 * (`addressPolicy`), except in the tests of the default policy.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { FeedFetchError, fetchFeed, type FetchFeedOptions, type FetchFeedResult } from "../../src/feeds/fetch.ts";

interface TestServer {
  server: http.Server;
  origin: string;
  port: number;
  requests: http.IncomingMessage[];
}

const servers: http.Server[] = [];

async function startServer(handler: http.RequestListener, host = "127.0.0.1"): Promise<TestServer> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    res.on("error", () => {});
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://${host}:${port}`, port, requests };
}

/** Fails when the client leaves a connection open: every path must release its sockets. */
async function expectConnectionsClosed(server: http.Server): Promise<void> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const count = await new Promise<number>((resolve, reject) =>
      server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
    );
    if (count === 0) return;
    if (Date.now() > deadline) throw new Error(`${count} connection(s) left open by the client`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    await expectConnectionsClosed(server);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const LOCAL: FetchFeedOptions = {
  allowPrivateNetworks: false,
  addressPolicy: (ip) => ip === "127.0.0.1",
  connectTimeoutMs: 1000,
  totalTimeoutMs: 3000,
};

async function readAll(result: FetchFeedResult): Promise<string> {
  if (result.status !== "ok") throw new Error(`expected ok, got ${result.status}`);
  const chunks: Buffer[] = [];
  for await (const chunk of result.body) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** The FeedFetchError thrown by `action` (failing the test when none is thrown). */
async function feedError(action: () => Promise<unknown>): Promise<FeedFetchError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(FeedFetchError);
    return error as FeedFetchError;
  }
  throw new Error("expected a FeedFetchError");
}

const XML = '<?xml version="1.0" encoding="UTF-8"?><missions><mission><title>Aide aux devoirs</title></mission></missions>';

describe("fetchFeed", () => {
  it("downloads the body and returns ETag, Last-Modified and Content-Length", async () => {
    const { origin, requests, server } = await startServer((_req, res) => {
      res.writeHead(200, {
        "content-type": "application/xml",
        "content-length": Buffer.byteLength(XML),
        etag: '"v1"',
        "last-modified": "Wed, 01 Jan 2025 10:00:00 GMT",
      });
      res.end(XML);
    });
    const result = await fetchFeed(`${origin}/flux.xml?cle=1`, LOCAL);
    expect(result).toMatchObject({
      status: "ok",
      url: `${origin}/flux.xml?cle=1`,
      etag: '"v1"',
      lastModified: "Wed, 01 Jan 2025 10:00:00 GMT",
      contentLength: Buffer.byteLength(XML),
    });
    expect(await readAll(result)).toBe(XML);
    const request = requests[0]!;
    expect(request.url).toBe("/flux.xml?cle=1");
    expect(request.headers["user-agent"]).toBe("API Engagement (import de flux)");
    expect(request.headers["accept-encoding"]).toBe("gzip, deflate");
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers["if-none-match"]).toBeUndefined();
    await expectConnectionsClosed(server);
  });

  it("sends HTTP Basic authentication when username and password are set", async () => {
    const { origin, requests } = await startServer((_req, res) => res.end(XML));
    await readAll(await fetchFeed(origin, { ...LOCAL, username: "asso", password: "mot de passé" }));
    const expected = `Basic ${Buffer.from("asso:mot de passé", "utf8").toString("base64")}`;
    expect(requests[0]!.headers.authorization).toBe(expected);
  });

  it("keeps Authorization on a same-origin redirect and drops it when the redirect changes origin", async () => {
    const other = await startServer((_req, res) => res.end(XML));
    const first = await startServer((req, res) => {
      if (req.url === "/start") res.writeHead(302, { location: "/same-origin" }).end();
      else res.writeHead(301, { location: `${other.origin}/final` }).end();
    });
    const result = await fetchFeed(`${first.origin}/start`, { ...LOCAL, username: "asso", password: "secret" });
    expect(await readAll(result)).toBe(XML);
    expect(result).toMatchObject({ url: `${other.origin}/final` });
    expect(first.requests.map((r) => [r.url, typeof r.headers.authorization])).toEqual([
      ["/start", "string"],
      ["/same-origin", "string"],
    ]);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("follows 3 redirects, relative Location included", async () => {
    const { origin, requests } = await startServer((req, res) => {
      if (req.url === "/a") res.writeHead(301, { location: "/b" }).end();
      else if (req.url === "/b") res.writeHead(307, { location: "c" }).end();
      else if (req.url === "/c") res.writeHead(308, { location: `${origin}/final?x=1` }).end();
      else res.end(XML);
    });
    const result = await fetchFeed(`${origin}/a`, LOCAL);
    expect(await readAll(result)).toBe(XML);
    expect(result).toMatchObject({ status: "ok", url: `${origin}/final?x=1` });
    expect(requests.map((r) => r.url)).toEqual(["/a", "/b", "/c", "/final?x=1"]);
  });

  it("refuses a 4th redirect", async () => {
    const { origin, requests } = await startServer((req, res) => {
      const step = Number(req.url?.slice(1));
      res.writeHead(302, { location: `/${step + 1}` }).end();
    });
    const error = await feedError(() => fetchFeed(`${origin}/0`, LOCAL));
    expect(error.code).toBe("TOO_MANY_REDIRECTS");
    expect(error.message).toMatch(/redirige plus de 3 fois/);
    expect(requests.map((r) => r.url)).toEqual(["/0", "/1", "/2", "/3"]);
  });

  it("refuses a redirect to a private address without connecting to it", async () => {
    const hidden = await startServer((_req, res) => res.end("secret"), "127.0.0.2");
    const { origin } = await startServer((req, res) => {
      const target = req.url === "/loopback" ? `${hidden.origin}/` : "http://169.254.169.254/latest/meta-data/";
      res.writeHead(302, { location: target }).end();
    });
    for (const path of ["/loopback", "/metadata"]) {
      const started = Date.now();
      const error = await feedError(() => fetchFeed(`${origin}${path}`, LOCAL));
      expect(error.code).toBe("UNSAFE_URL");
      expect(error.message).toMatch(/privées.*loopback.*link-local.*CGNAT.*FEED_ALLOW_PRIVATE_NETWORKS=true/);
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect(hidden.requests).toHaveLength(0);
  });

  it("refuses a redirect to another scheme or with credentials", async () => {
    const { origin } = await startServer((req, res) => {
      res.writeHead(302, { location: req.url === "/ftp" ? "ftp://flux.example.org/f.xml" : `http://u:p@127.0.0.1:1/` }).end();
    });
    for (const path of ["/ftp", "/credentials"]) {
      const error = await feedError(() => fetchFeed(`${origin}${path}`, LOCAL));
      expect(error.code).toBe("UNSAFE_URL");
      expect(error.message).toMatch(/redirige vers une adresse refusée/);
    }
  });

  it("refuses localhost and loopback addresses with the default policy, allows them with allowPrivateNetworks", async () => {
    const { port, requests } = await startServer((_req, res) => res.end(XML));
    const strict: FetchFeedOptions = { allowPrivateNetworks: false, connectTimeoutMs: 1000, totalTimeoutMs: 3000 };
    const byName = await feedError(() => fetchFeed(`http://localhost:${port}/`, strict));
    expect(byName.code).toBe("UNSAFE_URL");
    expect(byName.message).toMatch(/localhost/);
    for (const url of [`http://127.0.0.1:${port}/`, `http://[::1]:${port}/`, `http://0x7f.1:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`]) {
      const error = await feedError(() => fetchFeed(url, strict));
      expect(error.code, url).toBe("UNSAFE_URL");
    }
    expect(requests).toHaveLength(0);

    const allowed = await fetchFeed(`http://127.0.0.1:${port}/`, { ...strict, allowPrivateNetworks: true });
    expect(await readAll(allowed)).toBe(XML);
  });

  it("refuses a non-http scheme and credentials in the URL", async () => {
    const scheme = await feedError(() => fetchFeed("ftp://flux.example.org/missions.xml", LOCAL));
    expect(scheme.code).toBe("UNSAFE_URL");
    expect(scheme.message).toMatch(/http:\/\/ ou https:\/\//);
    const credentials = await feedError(() => fetchFeed("http://asso:secret@127.0.0.1:1/", LOCAL));
    expect(credentials.code).toBe("UNSAFE_URL");
    expect(credentials.message).toMatch(/identifiants/);
  });

  it("reports HTTP 500", async () => {
    const { origin } = await startServer((_req, res) => res.writeHead(500).end("boom"));
    const error = await feedError(() => fetchFeed(origin, LOCAL));
    expect(error).toMatchObject({ code: "HTTP_ERROR", httpStatus: 500 });
    expect(error.message).toMatch(/^Le serveur du flux a répondu 500 \(Internal Server Error\) : /);
  });

  it("reports HTTP 404 and asks to check the address", async () => {
    const { origin } = await startServer((_req, res) => res.writeHead(404).end());
    const error = await feedError(() => fetchFeed(`${origin}/absent.xml`, LOCAL));
    expect(error).toMatchObject({ code: "HTTP_ERROR", httpStatus: 404 });
    expect(error.message).toBe("Le serveur du flux a répondu 404 (Not Found) : vérifiez l'adresse du flux");
  });

  it("reports HTTP 401 and 403 as a credentials problem", async () => {
    const { origin } = await startServer((req, res) => res.writeHead(req.url === "/401" ? 401 : 403).end());
    for (const status of [401, 403]) {
      const error = await feedError(() => fetchFeed(`${origin}/${status}`, LOCAL));
      expect(error).toMatchObject({ code: "HTTP_ERROR", httpStatus: status });
      expect(error.message).toMatch(/identifiants/);
    }
  });

  it("times out when the server accepts but never answers", async () => {
    const { origin } = await startServer(() => {});
    const started = Date.now();
    const error = await feedError(() => fetchFeed(origin, { ...LOCAL, totalTimeoutMs: 300 }));
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toMatch(/durée maximale de 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("times out while the caller reads a body that stalls after the headers", async () => {
    const { origin } = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/xml" });
      res.write("<missions>");
    });
    const result = await fetchFeed(origin, { ...LOCAL, totalTimeoutMs: 400 });
    expect(result.status).toBe("ok");
    const error = await feedError(() => readAll(result));
    expect(error.code).toBe("TIMEOUT");
  });

  it("refuses a Content-Length above maxBytes before reading the body", async () => {
    const { origin } = await startServer((_req, res) => {
      res.writeHead(200, { "content-length": 2048 });
      res.end(Buffer.alloc(2048, "a"));
    });
    const error = await feedError(() => fetchFeed(origin, { ...LOCAL, maxBytes: 1024 }));
    expect(error.code).toBe("TOO_LARGE");
    expect(error.message).toMatch(/taille maximale autorisée \(1 Kio/);
  });

  it("stops a chunked body as soon as it passes maxBytes", async () => {
    const { origin } = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/xml" });
      const chunk = Buffer.alloc(64 * 1024, "a");
      let sent = 0;
      const write = () => {
        while (sent < 1000 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return void res.once("drain", write);
        }
        res.end();
      };
      write();
    });
    const result = await fetchFeed(origin, { ...LOCAL, maxBytes: 256 * 1024 });
    expect(result).toMatchObject({ status: "ok", contentLength: null });
    let received = 0;
    const error = await feedError(async () => {
      if (result.status !== "ok") return;
      for await (const chunk of result.body) received += chunk.length;
    });
    expect(error.code).toBe("TOO_LARGE");
    expect(received).toBeLessThanOrEqual(256 * 1024);
  });

  it("decodes a gzip body", async () => {
    const { origin } = await startServer((_req, res) => {
      res.writeHead(200, { "content-encoding": "gzip" }).end(zlib.gzipSync(XML));
    });
    const result = await fetchFeed(origin, LOCAL);
    expect(result).toMatchObject({ status: "ok", contentLength: null });
    expect(await readAll(result)).toBe(XML);
  });

  it("decodes a deflate body, zlib-wrapped or raw", async () => {
    const { origin } = await startServer((req, res) => {
      const data = req.url === "/raw" ? zlib.deflateRawSync(XML) : zlib.deflateSync(XML);
      res.writeHead(200, { "content-encoding": "deflate" }).end(data);
    });
    expect(await readAll(await fetchFeed(`${origin}/zlib`, LOCAL))).toBe(XML);
    expect(await readAll(await fetchFeed(`${origin}/raw`, LOCAL))).toBe(XML);
  });

  it("stops a gzip bomb at maxBytes of decoded data", async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const { origin } = await startServer((_req, res) => {
      res.writeHead(200, { "content-encoding": "gzip", "content-length": bomb.length }).end(bomb);
    });
    const maxBytes = 1024 * 1024;
    const result = await fetchFeed(origin, { ...LOCAL, maxBytes });
    let received = 0;
    const error = await feedError(async () => {
      if (result.status !== "ok") return;
      for await (const chunk of result.body) received += chunk.length;
    });
    expect(bomb.length).toBeLessThan(maxBytes);
    expect(error.code).toBe("TOO_LARGE");
    expect(received).toBeLessThanOrEqual(maxBytes);
  });

  it("reports corrupt gzip data", async () => {
    const corrupt = zlib.gzipSync(XML.repeat(50));
    corrupt.fill(0x55, 20, 60);
    const { origin } = await startServer((req, res) => {
      const data = req.url === "/not-gzip" ? Buffer.from(XML) : corrupt;
      res.writeHead(200, { "content-encoding": "gzip" }).end(data);
    });
    for (const path of ["/corrupt", "/not-gzip"]) {
      const result = await fetchFeed(`${origin}${path}`, LOCAL);
      const error = await feedError(() => readAll(result));
      expect(error.code, path).toBe("DECODING");
      expect(error.message).toMatch(/illisible/);
    }
  });

  it("refuses an unsupported Content-Encoding", async () => {
    const { origin } = await startServer((_req, res) => res.writeHead(200, { "content-encoding": "br" }).end("x"));
    const error = await feedError(() => fetchFeed(origin, LOCAL));
    expect(error.code).toBe("DECODING");
    expect(error.message).toMatch(/\(br\)/);
  });

  it("returns not-modified on 304 for a matching ETag", async () => {
    const { origin, requests } = await startServer((req, res) => {
      if (req.headers["if-none-match"] === '"v1"') res.writeHead(304, { etag: '"v1"' }).end();
      else res.writeHead(200, { etag: '"v1"' }).end(XML);
    });
    expect(await fetchFeed(`${origin}/flux`, { ...LOCAL, etag: '"v1"' })).toEqual({
      status: "not-modified",
      url: `${origin}/flux`,
    });
    expect(requests[0]!.headers["if-modified-since"]).toBeUndefined();
  });

  it("returns not-modified on 304 for a matching Last-Modified", async () => {
    const date = "Wed, 01 Jan 2025 10:00:00 GMT";
    const { origin, requests } = await startServer((req, res) => {
      if (req.headers["if-modified-since"] === date) res.writeHead(304).end();
      else res.writeHead(200, { "last-modified": date }).end(XML);
    });
    const first = await fetchFeed(origin, LOCAL);
    expect(first).toMatchObject({ status: "ok", lastModified: date, etag: null });
    await readAll(first);
    expect(await fetchFeed(origin, { ...LOCAL, lastModified: date })).toMatchObject({ status: "not-modified" });
    expect(requests.map((r) => r.headers["if-modified-since"])).toEqual([undefined, date]);
  });

  it("reports a refused connection", async () => {
    const { server, port } = await startServer(() => {});
    servers.splice(servers.indexOf(server), 1);
    await new Promise((resolve) => server.close(resolve));
    const error = await feedError(() => fetchFeed(`http://127.0.0.1:${port}/`, LOCAL));
    expect(error.code).toBe("NETWORK");
    expect(error.message).toMatch(/connexion a été refusée \(ECONNREFUSED\)/);
  });

  it("releases the connection when the caller stops reading early", async () => {
    const { origin, server } = await startServer((_req, res) => {
      res.writeHead(200);
      res.write(XML);
    });
    const result = await fetchFeed(origin, LOCAL);
    if (result.status !== "ok") throw new Error("expected ok");
    for await (const chunk of result.body) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    await expectConnectionsClosed(server);
  });

  it("stops when the caller's signal aborts", async () => {
    const { origin } = await startServer(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await feedError(() => fetchFeed(origin, { ...LOCAL, signal: controller.signal }));
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toMatch(/interrompu/);
  });
});
