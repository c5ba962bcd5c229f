/**
 * Rendering missions in the legacy v0 JSON, fast: a mission's JSON is the same for every diffuseur
 * except its tracked `applicationUrl` (and a moderator's title, or a full-remote mission shown in
 * Paris). So each record is serialised once, as UTF-8 bytes in two halves around the diffuseur id,
 * and a page is assembled by copying bytes (into a pooled buffer, see output-buffers.ts): no string
 * is built, measured or encoded per request (a page of 25 missions is ~150 KB).
 */
import { randomBytes } from "node:crypto";
import type { MissionRecord } from "../missions/records.ts";
import { toMissionLegacy } from "../missions/serializers.ts";

/** Stands for the diffuseur id while serialising; random, so mission text cannot contain it. */
const PLACEHOLDER = `diffuseur-${randomBytes(9).toString("hex")}`;

/** One mission's JSON, as consecutive pieces of UTF-8 bytes. */
export type RenderedMission = Buffer[];

interface Fragments {
  head: Buffer;
  /** After the diffuseur id, without the closing brace (so `_distance` can be appended). */
  tail: Buffer;
}

const CLOSE = Buffer.from("}");
const COMMA = Buffer.from(",");
const CLOSE_LIST_COMMA = Buffer.from("],");

export class MissionRenderer {
  private readonly fragments = new WeakMap<MissionRecord, Fragments>();
  private readonly diffuseurIds = new Map<string, Buffer>();

  constructor(private readonly publicUrl: string) {}

  private fragmentsOf(record: MissionRecord): Fragments {
    let f = this.fragments.get(record);
    if (!f) {
      const json = JSON.stringify(toMissionLegacy(record, { publicUrl: this.publicUrl, diffuseurId: PLACEHOLDER }));
      const at = json.indexOf(PLACEHOLDER);
      f = { head: Buffer.from(json.slice(0, at)), tail: Buffer.from(json.slice(at + PLACEHOLDER.length, -1)) };
      this.fragments.set(record, f);
    }
    return f;
  }

  private idBytes(diffuseurId: string): Buffer {
    let bytes = this.diffuseurIds.get(diffuseurId);
    if (!bytes) {
      bytes = Buffer.from(encodeURIComponent(diffuseurId));
      if (this.diffuseurIds.size > 10_000) this.diffuseurIds.clear();
      this.diffuseurIds.set(diffuseurId, bytes);
    }
    return bytes;
  }

  /** The mission's JSON for this diffuseur, with `_distance` (km) appended when given. */
  render(record: MissionRecord, diffuseurId: string, options: { titleOverride?: string; remoteAsParis?: boolean; distanceKm?: number } = {}): RenderedMission {
    const end = options.distanceKm === undefined ? CLOSE : Buffer.from(`,"_distance":${Math.round(options.distanceKm * 1000) / 1000}}`);
    if (options.titleOverride !== undefined || (options.remoteAsParis && record.mission.remote === "full")) {
      const { titleOverride, remoteAsParis } = options;
      const json = JSON.stringify(toMissionLegacy(record, { publicUrl: this.publicUrl, diffuseurId, titleOverride, remoteAsParis }));
      return [Buffer.from(json.slice(0, -1)), end];
    }
    const { head, tail } = this.fragmentsOf(record);
    return [head, this.idBytes(diffuseurId), tail, end];
  }
}

/**
 * `{...head, "<key>": [items], ...tail}` from rendered items (or plain JSON strings), as pieces of
 * bytes; `tail` may be given as the bytes of its JSON object already.
 */
export function envelope(
  head: Record<string, unknown>,
  key: string,
  items: (RenderedMission | string)[],
  tail: Record<string, unknown> | Buffer = {},
): Buffer[] {
  const pieces: Buffer[] = [Buffer.from(`${JSON.stringify(head).slice(0, -1)},"${key}":[`)];
  items.forEach((item, i) => {
    if (i > 0) pieces.push(COMMA);
    if (typeof item === "string") pieces.push(Buffer.from(item));
    else for (const piece of item) pieces.push(piece);
  });
  if (Buffer.isBuffer(tail)) pieces.push(CLOSE_LIST_COMMA, tail.subarray(1));
  else pieces.push(Buffer.from(Object.keys(tail).length ? `],${JSON.stringify(tail).slice(1)}` : "]}"));
  return pieces;
}
