/**
 * Loading the demo data set: publishers (with API keys), diffusion rights and missions, written
 * through the same code paths a partner uses. The demo keys are kept in DATA_DIR/demo-keys.json so
 * that `npm start` can show them again (they are hashed in the database).
 */
import fs from "node:fs";
import path from "node:path";
import type { Db } from "../db/connection.ts";
import type { PublisherRow } from "../db/schema.ts";
import { allowDiffusion } from "../diffusion/repository.ts";
import { createMission } from "../missions/publish.ts";
import type { CreateMissionBody } from "../missions/schemas.ts";
import { createPublisher } from "../publishers/publishers.ts";
import { uuidv7 } from "../db/uuid7.ts";
import { generateDemoData } from "./generate.ts";

export interface DemoKey {
  id: string;
  name: string;
  roles: string;
  apiKey: string;
  /** A diffuseur's demo widget: its page is /w/<widgetId>. */
  widgetId?: string;
}

const KEYS_FILE = "demo-keys.json";

export function readDemoKeys(dataDir: string): DemoKey[] {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, KEYS_FILE), "utf8")) as DemoKey[];
  } catch {
    return [];
  }
}

export async function isEmpty(db: Db): Promise<boolean> {
  const row = await db.selectFrom("publisher").select("id").limit(1).executeTakeFirst();
  return !row;
}

export async function loadDemo(
  db: Db,
  dataDir: string,
  options: { onlyIfEmpty: boolean; missionCount?: number },
): Promise<{ loaded: boolean; publishers: number; missions: number; refused: number; keys: DemoKey[] }> {
  if (!(await isEmpty(db))) {
    if (options.onlyIfEmpty) return { loaded: false, publishers: 0, missions: 0, refused: 0, keys: readDemoKeys(dataDir) };
    throw new Error("la base n'est pas vide : les données de démonstration se chargent dans une base vide");
  }
  // Same content every time; dates are placed relative to the current day so the demo looks current.
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const data = generateDemoData({ missionCount: options.missionCount, now: today });
  const byKey = new Map<string, PublisherRow>();
  const keys: DemoKey[] = [];
  for (const p of data.publishers) {
    const { publisher, apiKey } = await createPublisher(db, {
      name: p.name,
      annonceur: p.isAnnonceur,
      diffuseur: p.isDiffuseur,
      widget: p.isDiffuseur,
      moderator: p.moderator ?? false,
      missionType: p.missionType,
      trackingPrefix: p.trackingPrefix,
      url: p.url,
      category: p.category,
      description: p.description,
    });
    byKey.set(p.key, publisher);
    const roles = [p.isAnnonceur ? "annonceur" : null, p.isDiffuseur ? "diffuseur" : null, p.moderator ? "modérateur" : null]
      .filter(Boolean)
      .join(", ");
    keys.push({ id: publisher.id, name: publisher.name, roles, apiKey });
  }
  for (const { diffuseurKey, annonceurKey } of data.diffusion) {
    const diffuseur = byKey.get(diffuseurKey);
    const annonceur = byKey.get(annonceurKey);
    if (diffuseur && annonceur) await allowDiffusion(db, diffuseur.id, annonceur.id, "demo");
  }
  let refused = 0;
  const queue = [...data.missions];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const publisher = byKey.get(item.publisherKey);
      if (!publisher) continue;
      const { record } = await createMission(db, publisher, item.body as CreateMissionBody, "demo");
      if (record.mission.status_code === "REFUSED") refused += 1;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  // The first diffuseur's widget: a bénévolat grid of everything it may show.
  const widgetOwner = keys.find((k) => k.roles.includes("diffuseur") && !k.roles.includes("modérateur"));
  if (widgetOwner) {
    widgetOwner.widgetId = uuidv7();
    await db.insertInto("widget").values({ id: widgetOwner.widgetId, diffuseur_id: widgetOwner.id, name: "Widget de démonstration" }).execute();
  }
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, KEYS_FILE), JSON.stringify(keys, null, 2), { mode: 0o600 });
  return { loaded: true, publishers: keys.length, missions: data.missions.length, refused, keys };
}
