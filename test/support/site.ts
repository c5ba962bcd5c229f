/**
 * A small website on a loopback port, standing in for a partner's site in browser tests: `pages`
 * gives the HTML of a path (undefined: 404).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Site {
  port: number;
  /** http://localhost:<port>: another origin than the service's http://127.0.0.1:<port>. */
  url: string;
  close: () => Promise<void>;
}

export async function startSite(pages: (path: string) => string | undefined): Promise<Site> {
  const server = http.createServer((req, res) => {
    const html = pages(new URL(req.url ?? "/", "http://site").pathname);
    res.writeHead(html === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" });
    res.end(html ?? "introuvable");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://localhost:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
