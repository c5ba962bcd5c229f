/**
 * Embedded PostgreSQL (PGlite) shared between processes.
 *
 * PGlite is single-process: only one process may open a data directory. The process that opens it
 * (the "owner": `serve`, or a CLI command when nothing else runs) also serves it on a Unix socket
 * (embedded-server.ts), and every connection, its own included, goes through that socket with the
 * ordinary `pg` driver. Other processes (CLI commands while `serve` runs) find the socket in
 * `DATA_DIR/pglite.json` and connect to it the same way. So the application code always speaks the
 * PostgreSQL wire protocol, and the socket server keeps the exchanges and transactions of different
 * clients apart.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { cube } from "@electric-sql/pglite/contrib/cube";
import { earthdistance } from "@electric-sql/pglite/contrib/earthdistance";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { EmbeddedServer } from "./embedded-server.ts";

const SOCKET_PORT = 5432;
const LOCK_FILE = "pglite.json";

interface LockInfo {
  pid: number;
  socketDir: string;
  port: number;
  startedAt: string;
}

export interface EmbeddedEndpoint {
  /** Connection settings for `pg` (Unix socket directory + port). */
  host: string;
  port: number;
  /** Present only in the process that owns the database. */
  close?: () => Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function socketPath(dir: string): string {
  return path.join(dir, `.s.PGSQL.${SOCKET_PORT}`);
}

/** Unix socket paths are limited to ~107 bytes: use the data dir when it is short enough. */
function chooseSocketDir(dataDir: string): string {
  if (socketPath(dataDir).length < 100) return dataDir;
  return fs.mkdtempSync(path.join(os.tmpdir(), "engagement-pg-"));
}

async function findRunningOwner(dataDir: string): Promise<LockInfo | undefined> {
  const file = path.join(dataDir, LOCK_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    const info = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
    if (info.pid !== process.pid && isAlive(info.pid) && (await canConnect(socketPath(info.socketDir)))) return info;
  } catch {
    // unreadable lock file: treat as stale
  }
  return undefined;
}

/**
 * Connect to the embedded database in `dataDir`: through the running owner if there is one, else by
 * opening it here and becoming its owner. `dataDir` may be "memory://" for a throw-away database.
 */
export async function openEmbedded(dataDir: string): Promise<EmbeddedEndpoint> {
  const inMemory = dataDir.startsWith("memory://");
  if (!inMemory) {
    fs.mkdirSync(dataDir, { recursive: true });
    const owner = await findRunningOwner(dataDir);
    if (owner) return { host: owner.socketDir, port: SOCKET_PORT };
  }

  const db = await PGlite.create({
    dataDir: inMemory ? undefined : path.join(dataDir, "pgdata"),
    extensions: { cube, earthdistance, pg_trgm, unaccent },
  });
  const socketDir = inMemory ? fs.mkdtempSync(path.join(os.tmpdir(), "engagement-pg-")) : chooseSocketDir(dataDir);
  const sock = socketPath(socketDir);
  if (fs.existsSync(sock)) fs.rmSync(sock);
  const server = new EmbeddedServer(db);
  await server.listen(sock);
  fs.chmodSync(sock, 0o600);

  const lockFile = inMemory ? undefined : path.join(dataDir, LOCK_FILE);
  if (lockFile) {
    const info: LockInfo = { pid: process.pid, socketDir, port: SOCKET_PORT, startedAt: new Date().toISOString() };
    fs.writeFileSync(lockFile, JSON.stringify(info), { mode: 0o600 });
  }

  let closed = false;
  return {
    host: socketDir,
    port: SOCKET_PORT,
    close: async () => {
      if (closed) return;
      closed = true;
      await server.close();
      await db.close();
      if (lockFile && fs.existsSync(lockFile)) fs.rmSync(lockFile);
      if (fs.existsSync(sock)) fs.rmSync(sock);
      if (socketDir !== dataDir) fs.rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
