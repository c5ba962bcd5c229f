/**
 * Recently shown missions, kept ready to render (LRU). Diffuseurs and widgets ask for the same first
 * pages again and again; reading those 25 missions from the database would dominate each search.
 *
 * Correctness: the catalogue index evicts every mission the change feed reports before answering a
 * request, and a record read from the database is kept only if no eviction happened while it was
 * being read (it could be older than that change).
 */
import type { Db } from "../db/connection.ts";
import { loadRecordsByIds, type MissionRecord } from "../missions/records.ts";

export class RecordCache {
  private readonly entries = new Map<string, MissionRecord>();
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly capacity = 20_000,
  ) {}

  /** Records of these missions in the order of `ids` (missing ones skipped), from memory when possible. */
  async get(ids: string[]): Promise<MissionRecord[]> {
    const found = new Map<string, MissionRecord>();
    const missing: string[] = [];
    for (const id of ids) {
      const record = this.entries.get(id);
      if (record) {
        // refresh its place in the LRU order
        this.entries.delete(id);
        this.entries.set(id, record);
        found.set(id, record);
      } else {
        missing.push(id);
      }
    }
    if (missing.length) {
      const generation = this.generation;
      const loaded = await loadRecordsByIds(this.db, missing);
      const keep = generation === this.generation;
      for (const record of loaded) {
        found.set(record.mission.id, record);
        if (keep) this.put(record);
      }
    }
    return ids.map((id) => found.get(id)).filter((r): r is MissionRecord => r !== undefined);
  }

  private put(record: MissionRecord) {
    this.entries.set(record.mission.id, record);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  evict(ids: Iterable<string>) {
    this.generation += 1;
    for (const id of ids) this.entries.delete(id);
  }

  clear() {
    this.generation += 1;
    this.entries.clear();
  }

  get size() {
    return this.entries.size;
  }
}
