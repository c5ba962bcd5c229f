/**
 * A local stand-in for annonceurs' web servers (the only thing tests cannot reach for real): an
 * HTTP server on 127.0.0.1 whose routes each serve a feed with a given status, headers, encoding or
 * delay, and that records the requests it received.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";

export interface FeedRoute {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
  gzip?: boolean;
  /** Never answers (timeout tests). */
  hang?: boolean;
  /** Answers 304 when the request carries this ETag. */
  etag?: string;
}

export interface FeedServer {
  url: (path: string) => string;
  set: (path: string, route: FeedRoute) => void;
  requests: { path: string; headers: http.IncomingHttpHeaders }[];
  close: () => Promise<void>;
}

export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, FeedRoute>();
  const requests: FeedServer["requests"] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    requests.push({ path, headers: req.headers });
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    if (route.hang) return;
    if (route.etag && req.headers["if-none-match"] === route.etag) {
      res.writeHead(304, { etag: route.etag }).end();
      return;
    }
    const headers: Record<string, string> = { "content-type": "application/xml; charset=utf-8", ...(route.etag ? { etag: route.etag } : {}), ...route.headers };
    let body = typeof route.body === "string" ? Buffer.from(route.body) : (route.body ?? Buffer.alloc(0));
    if (route.gzip) {
      body = zlib.gzipSync(body);
      headers["content-encoding"] = "gzip";
    }
    res.writeHead(route.status ?? 200, headers).end(body);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    set: (path, route) => void routes.set(path, route),
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
