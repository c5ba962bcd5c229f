/**
 * The mission event history (mission_event): one entry per create, update with a non-empty diff,
 * delete and restore. An update's entry holds its changed fields as `{field: {previous, current}}`
 * (mission columns, plus `addresses` as "postal code city" of each); the create entry holds the
 * mission's initial values in that same format, from null. Written through the annonceur API, read
 * from the database (no partner route exposes the history).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let annonceur: { id: string; apiKey: string };

beforeAll(async () => {
  server = await startTestServer({}, { loadIndex: false });
  annonceur = await server.partner({ annonceur: true });
});
afterAll(async () => server?.close());

type Changes = Record<string, { previous: unknown; current: unknown }>;

async function history(missionId: string) {
  const rows = await server.database.db
    .selectFrom("mission_event")
    .select(["type", "changes", "source"])
    .where("mission_id", "=", missionId)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({ ...r, changes: r.changes as Changes }));
}

const LYON = { street: "10 rue de la République", postalCode: "69001", city: "Lyon", country: "FR" };
const PARIS = { postalCode: "75011", city: "Paris", country: "FR" };
const MARSEILLE = { postalCode: "13001", city: "Marseille", country: "FR" };
const DESCRIPTION = "Accompagner des élèves de collège dans leurs devoirs, deux soirs par semaine, dans nos locaux.";

describe("mission_event history through the annonceur API", () => {
  it("records the initial values on create, only the changed fields on update, and the deletion", async () => {
    const clientId = `hist-${randomBytes(4).toString("hex")}`;
    const organizationClientId = `org-${clientId}`;
    const created = await server.request("/v2/mission", {
      method: "POST",
      apiKey: annonceur.apiKey,
      json: {
        clientId,
        title: "Aide aux devoirs pour collégiens",
        description: DESCRIPTION,
        applicationUrl: "https://asso.example/missions/1",
        startAt: "2026-09-01T08:00:00Z",
        domain: "education",
        tags: ["école", "jeunesse"],
        places: 3,
        openToMinors: false,
        addresses: [LYON, PARIS],
        organizationClientId,
        organizationName: "Les Amis du Quartier",
      },
    });
    expect(created.status, created.text).toBe(201);
    const mission = created.body.data;
    const organization = await server.database.db
      .selectFrom("publisher_organization")
      .select("id")
      .where("publisher_id", "=", annonceur.id)
      .where("client_id", "=", organizationClientId)
      .executeTakeFirstOrThrow();

    // Sent again unchanged (title), changed (places), and a new address set: only the last two count.
    const path = `/v2/mission/${encodeURIComponent(clientId)}`;
    const updated = await server.request(path, {
      method: "PUT",
      apiKey: annonceur.apiKey,
      json: { title: "Aide aux devoirs pour collégiens", places: 5, addresses: [LYON, MARSEILLE] },
    });
    expect(updated.status, updated.text).toBe(200);
    // An update that changes nothing leaves no entry.
    const same = await server.request(path, { method: "PUT", apiKey: annonceur.apiKey, json: { places: 5, addresses: [LYON, MARSEILLE] } });
    expect(same.status, same.text).toBe(200);
    const deleted = await server.request(path, { method: "DELETE", apiKey: annonceur.apiKey });
    expect(deleted.status, deleted.text).toBe(200);

    const events = await history(mission.id);
    expect(events.map((e) => [e.type, e.source])).toEqual([
      ["create", "api"],
      ["update", "api"],
      ["delete", "api"],
    ]);
    const [create, update, del] = events;

    // Every field set at creation, defaults included (posted_at, places_status, snu), as a change
    // from null; no empty value, no bookkeeping column (created_at, updated_at, last_sync_at, deleted_at).
    const from = (current: unknown) => ({ previous: null, current });
    expect(create!.changes).toEqual({
      title: from("Aide aux devoirs pour collégiens"),
      description: from(DESCRIPTION),
      description_html: from(`<p>${DESCRIPTION}</p>`),
      application_url: from("https://asso.example/missions/1"),
      domain: from("education"),
      tags: from(["école", "jeunesse"]),
      places: from(3),
      places_status: from("GIVEN_BY_PARTNER"),
      open_to_minors: from(false),
      snu: from(false),
      start_at: from("2026-09-01T08:00:00.000Z"),
      posted_at: from(mission.postedAt),
      status_code: from("ACCEPTED"),
      organization_id: from(organization.id),
      addresses: from(["69001 Lyon", "75011 Paris"]),
    });

    // The same format: only what changed, with its previous value.
    expect(update!.changes).toEqual({
      places: { previous: 3, current: 5 },
      addresses: { previous: ["69001 Lyon", "75011 Paris"], current: ["69001 Lyon", "13001 Marseille"] },
    });

    expect(del!.changes).toEqual({ deletedAt: { previous: null, current: deleted.body.data.deletedAt } });
    expect(deleted.body.data.deletedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it("leaves addresses out of the create entry of a mission created without any", async () => {
    const clientId = `hist-${randomBytes(4).toString("hex")}`;
    const res = await server.request("/v2/mission", {
      method: "POST",
      apiKey: annonceur.apiKey,
      json: { clientId, title: "Collecte alimentaire", description: DESCRIPTION, applicationUrl: "https://asso.example/missions/2", remote: "full" },
    });
    expect(res.status, res.text).toBe(201);
    const [create, ...rest] = await history(res.body.data.id);
    expect(rest).toEqual([]);
    expect(create!.type).toBe("create");
    expect(create!.changes).not.toHaveProperty("addresses");
    expect(create!.changes).not.toHaveProperty("organization_id");
    expect(create!.changes).toMatchObject({ title: { previous: null, current: "Collecte alimentaire" }, remote: { previous: null, current: "full" } });
    for (const [field, change] of Object.entries(create!.changes)) {
      expect(change.previous, field).toBeNull();
      expect([null, "", []], field).not.toContainEqual(change.current);
    }
  });
});
