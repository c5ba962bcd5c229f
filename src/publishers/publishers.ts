/** Publishers (partners): creation, look-up, and the legacy JSON shape of `/v0/publisher`. */
import { randomBytes } from "node:crypto";
import type { Db } from "../db/connection.ts";
import type { MissionType, PublisherRow } from "../db/schema.ts";
import { createApiKey } from "./api-keys.ts";

export const MISSION_TYPES: MissionType[] = [
  "benevolat",
  "volontariat_service_civique",
  "volontariat_sapeurs_pompiers",
  "volontariat_reserve_operationnelle",
];

/** 24 hexadecimal characters, the shape of today's publisher ids. */
export function newPublisherId(): string {
  return randomBytes(12).toString("hex");
}

export interface NewPublisherInput {
  id?: string;
  name: string;
  annonceur?: boolean;
  /** Diffuseur with API rights. */
  diffuseur?: boolean;
  widget?: boolean;
  campaign?: boolean;
  moderator?: boolean;
  missionType?: MissionType | null;
  feedUrl?: string | null;
  trackingPrefix?: "utm" | "mtm";
  skipModeration?: boolean;
  /** Diffuseur: full-remote missions shown as "[À distance]" offers in Paris (today's Leboncoin behaviour). */
  remoteAsParis?: boolean;
  url?: string | null;
  category?: string | null;
  description?: string;
  logo?: string | null;
}

export async function createPublisher(db: Db, input: NewPublisherInput): Promise<{ publisher: PublisherRow; apiKey: string }> {
  return db.transaction().execute(async (trx) => {
    const publisher = await trx
      .insertInto("publisher")
      .values({
        id: input.id ?? newPublisherId(),
        name: input.name.trim(),
        is_annonceur: input.annonceur ?? false,
        has_api_rights: input.diffuseur ?? false,
        has_widget_rights: input.widget ?? false,
        has_campaign_rights: input.campaign ?? false,
        moderator: input.moderator ?? false,
        mission_type: input.missionType ?? null,
        feed_url: input.feedUrl ?? null,
        tracking_prefix: input.trackingPrefix ?? "utm",
        skip_moderation: input.skipModeration ?? false,
        remote_as_paris: input.remoteAsParis ?? false,
        url: input.url ?? null,
        category: input.category ?? null,
        description: input.description ?? "",
        logo: input.logo ?? null,
        email: null,
        default_mission_logo: null,
        feed_username: null,
        feed_password: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const apiKey = await createApiKey(trx, publisher.id, "initial");
    return { publisher, apiKey };
  });
}

export async function findPublisher(db: Db, id: string): Promise<PublisherRow | undefined> {
  return db.selectFrom("publisher").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
}

/** Legacy partner object of `/v0/publisher` (field names as today). */
export function toPartnerJson(p: PublisherRow) {
  return {
    _id: p.id,
    name: p.name,
    category: p.category,
    url: p.url,
    logo: p.logo,
    description: p.description,
    widget: p.has_widget_rights,
    api: p.has_api_rights,
    campaign: p.has_campaign_rights,
    annonceur: p.is_annonceur,
  };
}
