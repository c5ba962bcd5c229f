/**
 * A PostgreSQL wire-protocol server in front of one PGlite instance, so that several connections
 * (this process's pool, CLI commands in other processes) can share the single-session database.
 *
 * PGlite has one session. Messages of different connections must therefore never interleave inside
 * an extended-protocol exchange (Parse/Bind/Describe/Execute … Sync) nor inside a transaction. Each
 * connection's messages are grouped into batches that end with Sync or a simple Query; a batch runs
 * alone, and a connection that leaves a transaction open keeps the database until it closes it (or
 * disconnects, which rolls it back). Between batches, other connections get their turn in FIFO order.
 */
import net from "node:net";
import type { PGlite } from "@electric-sql/pglite";

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Message types that end a batch: Sync, simple Query, Flush. */
const BATCH_END = new Set(["S".charCodeAt(0), "Q".charCodeAt(0), "H".charCodeAt(0)]);
const TERMINATE = "X".charCodeAt(0);

/** One exclusive turn on the database at a time, FIFO. */
class Turnstile {
  private owner: Connection | null = null;
  private readonly waiting: { conn: Connection; resolve: () => void }[] = [];

  async acquire(conn: Connection): Promise<void> {
    if (this.owner === conn) return;
    if (this.owner === null && this.waiting.length === 0) {
      this.owner = conn;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push({ conn, resolve }));
  }

  release(conn: Connection): void {
    if (this.owner !== conn) return;
    const next = this.waiting.shift();
    this.owner = next ? next.conn : null;
    next?.resolve();
  }

  /** Removes a closed connection from the queue. */
  forget(conn: Connection): void {
    const i = this.waiting.findIndex((w) => w.conn === conn);
    if (i >= 0) this.waiting.splice(i, 1);
  }
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private batch: Buffer[] = [];
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly db: PGlite,
    private readonly turnstile: Turnstile,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (data) => this.receive(data));
    socket.on("error", () => this.close());
    socket.on("close", () => this.close());
  }

  private receive(data: Buffer) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        const code = this.buffer.readInt32BE(4);
        if (this.buffer.length < length) return;
        const message = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write("N");
        } else if (code === CANCEL_REQUEST) {
          this.socket.end();
          return;
        } else if (code === PROTOCOL_3) {
          this.started = true;
          this.submit([Buffer.from(message)]);
        } else {
          this.socket.destroy();
          return;
        }
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = 1 + this.buffer.readInt32BE(1);
      if (this.buffer.length < length) return;
      const type = this.buffer[0] as number;
      const message = Buffer.from(this.buffer.subarray(0, length));
      this.buffer = this.buffer.subarray(length);
      if (type === TERMINATE) {
        this.socket.end();
        return;
      }
      this.batch.push(message);
      if (BATCH_END.has(type)) {
        const batch = this.batch;
        this.batch = [];
        this.submit(batch);
      }
    }
  }

  private submit(messages: Buffer[]) {
    const bytes = new Uint8Array(Buffer.concat(messages));
    this.chain = this.chain.then(() => this.run(bytes)).catch(() => {
      this.socket.destroy();
    });
  }

  private async run(bytes: Uint8Array) {
    if (this.closed) return;
    await this.turnstile.acquire(this);
    try {
      if (this.closed) return;
      await this.db.execProtocolRawStream(bytes, {
        // The chunk is a view of PGlite's memory, reused for the next chunk: copy it before the
        // socket (which writes asynchronously) keeps a reference.
        onRawData: (chunk: Uint8Array) => {
          if (!this.closed && chunk.length) this.socket.write(Buffer.from(chunk));
        },
      });
    } finally {
      // Keep the database while this connection's transaction is open.
      if (this.closed || !this.db.isInTransaction()) this.turnstile.release(this);
    }
  }

  /** Resolves when every submitted batch and the clean-up of a closed connection are done. */
  settled(): Promise<void> {
    return this.chain.catch(() => undefined);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.turnstile.forget(this);
    this.chain = this.chain.then(async () => {
      await this.turnstile.acquire(this);
      try {
        if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
      } finally {
        this.turnstile.release(this);
      }
    });
  }
}

export class EmbeddedServer {
  private readonly server: net.Server;
  private readonly turnstile = new Turnstile();
  private readonly connections = new Set<Connection>();

  constructor(private readonly db: PGlite) {
    this.server = net.createServer((socket) => {
      const connection = new Connection(socket, this.db, this.turnstile);
      this.connections.add(connection);
      socket.on("close", () => {
        void connection.settled().then(() => this.connections.delete(connection));
      });
    });
  }

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(path, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  /** Stops accepting, closes every connection (rolling back an open transaction) and waits for them. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.close();
    await Promise.all([...this.connections].map((c) => c.settled()));
    await closed;
  }
}
