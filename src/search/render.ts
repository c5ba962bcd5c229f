/**
 * Rendering missions in the legacy v0 JSON, fast: a mission's JSON is the same for every diffuseur
 * except its tracked `applicationUrl` (and a moderator's title, or a full-remote mission shown in Paris). So each record is serialised once
 * into two halves around the diffuseur id, and a page is assembled by concatenation.
 */
import { randomBytes } from "node:crypto";
import type { MissionRecord } from "../missions/records.ts";
import { toMissionLegacy } from "../missions/serializers.ts";

/** Stands for the diffuseur id while serialising; random, so mission text cannot contain it. */
const PLACEHOLDER = `diffuseur-${randomBytes(9).toString("hex")}`;

interface Fragments {
  head: string;
  tail: string;
}

export class MissionRenderer {
  private readonly fragments = new WeakMap<MissionRecord, Fragments>();

  constructor(private readonly publicUrl: string) {}

  private fragmentsOf(record: MissionRecord): Fragments {
    let f = this.fragments.get(record);
    if (!f) {
      const json = JSON.stringify(toMissionLegacy(record, { publicUrl: this.publicUrl, diffuseurId: PLACEHOLDER }));
      const at = json.indexOf(PLACEHOLDER);
      f = { head: json.slice(0, at), tail: json.slice(at + PLACEHOLDER.length) };
      this.fragments.set(record, f);
    }
    return f;
  }

  /** The mission's JSON for this diffuseur, with `_distance` (km) appended when given. */
  render(record: MissionRecord, diffuseurId: string, options: { titleOverride?: string; remoteAsParis?: boolean; distanceKm?: number } = {}): string {
    let json: string;
    if (options.titleOverride !== undefined || (options.remoteAsParis && record.mission.remote === "full")) {
      const { titleOverride, remoteAsParis } = options;
      json = JSON.stringify(toMissionLegacy(record, { publicUrl: this.publicUrl, diffuseurId, titleOverride, remoteAsParis }));
    } else {
      const { head, tail } = this.fragmentsOf(record);
      json = head + encodeURIComponent(diffuseurId) + tail;
    }
    if (options.distanceKm === undefined) return json;
    return `${json.slice(0, -1)},"_distance":${Math.round(options.distanceKm * 1000) / 1000}}`;
  }
}
