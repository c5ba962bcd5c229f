/**
 * Incremental sync, black box: a mirror that follows the /docs recipe (`updatedSince` = the time of its
 * previous sync, `includeDeleted=true`) ends up with exactly the diffuseur's visible missions, whatever
 * changed: the missions, the rules (rights, exclusions by organisation or network), the organisations,
 * a moderator's decisions, or the annonceur itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeDiffusion } from "../../src/diffusion/repository.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

type Partner = { id: string; name: string; apiKey: string };
type Item = { id: string; deleted?: boolean; title?: string };

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const tick = () => new Promise((r) => setTimeout(r, 20));

/** A diffuseur's copy of the catalogue, kept by the documented recipe. */
class Mirror {
  readonly missions = new Map<string, Item>();
  private since: string | undefined;

  constructor(private readonly diffuseur: Partner) {}

  /** One sync; returns what it received. */
  async sync(): Promise<{ live: Item[]; tombstones: Item[] }> {
    const started = new Date().toISOString();
    const received: Item[] = [];
    for (let skip = 0; ; skip += 100) {
      const query = this.since ? `updatedSince=${encodeURIComponent(this.since)}&includeDeleted=true&` : "";
      const res = await server.request(`/v0/mission?${query}limit=100&skip=${skip}`, { apiKey: this.diffuseur.apiKey });
      expect(res.status, res.text).toBe(200);
      received.push(...res.body.data);
      if (skip + 100 >= res.body.total) break;
    }
    for (const item of received) {
      if (item.deleted) this.missions.delete(item.id);
      else this.missions.set(item.id, item);
    }
    this.since = started;
    await tick();
    return { live: received.filter((i) => !i.deleted), tombstones: received.filter((i) => i.deleted) };
  }

  /** The mirror equals the diffuseur's full list. */
  async expectInSync(): Promise<void> {
    const full = await server.request("/v0/mission?limit=10000", { apiKey: this.diffuseur.apiKey });
    expect([...this.missions.keys()].sort()).toEqual(full.body.data.map((m: Item) => m.id).sort());
    for (const m of full.body.data as Item[]) expect(this.missions.get(m.id)?.title).toBe(m.title);
  }
}

async function setUp(tag: string) {
  const annonceur = await server.partner({ annonceur: true, name: `Annonceur ${tag} ${Date.now()}` });
  const diffuseur = await server.partner({ annonceur: false, diffuseur: true });
  const publish = (clientId: string, fields: Record<string, unknown> = {}) => server.publish(annonceur, `${tag}-${clientId}`, fields);
  return { annonceur, diffuseur, publish, mirror: new Mirror(diffuseur) };
}

const rule = (owner: Partner, body: Record<string, unknown>) => server.request("/v0/diffusion-rule", { method: "POST", apiKey: owner.apiKey, json: body });

describe("incremental sync keeps a mirror exact", () => {
  it("a right given after the last sync brings the annonceur's older missions", async () => {
    const { annonceur, diffuseur, publish, mirror } = await setUp("right");
    const older = [await publish("m1"), await publish("m2")];
    await mirror.sync();
    expect(mirror.missions.size).toBe(0);
    await server.allow(diffuseur.id, annonceur.id);
    const { live } = await mirror.sync();
    expect(live.map((m) => m.id).sort()).toEqual([...older].sort());
    await mirror.expectInSync();

    await revokeDiffusion(server.database.db, diffuseur.id, annonceur.id);
    const { tombstones } = await mirror.sync();
    expect(tombstones.map((m) => m.id).sort()).toEqual([...older].sort());
    await mirror.expectInSync();
  });

  it("an exclusion by organisation sends tombstones, and lifting it sends the missions back", async () => {
    const { annonceur, diffuseur, publish, mirror } = await setUp("excl");
    await server.allow(diffuseur.id, annonceur.id);
    const excluded = await publish("m1", { organizationClientId: "org-excl", organizationName: "Club exclu" });
    const kept = await publish("m2", { organizationClientId: "org-kept", organizationName: "Club gardé" });
    await mirror.sync();
    expect([...mirror.missions.keys()].sort()).toEqual([excluded, kept].sort());

    const res = await rule(annonceur, { publisherIds: [diffuseur.id], field: "publisherOrganization.clientId", operator: "is_not", value: "org-excl" });
    expect(res.status, res.text).toBe(201);
    const gone = await mirror.sync();
    expect(gone.tombstones.map((m) => m.id)).toEqual([excluded]);
    await mirror.expectInSync();

    const removed = await server.request(`/v0/diffusion-rule/${res.body.data[0].id}`, { method: "DELETE", apiKey: annonceur.apiKey });
    expect(removed.status, removed.text).toBe(200);
    const back = await mirror.sync();
    expect(back.live.map((m) => m.id)).toContain(excluded);
    await mirror.expectInSync();
  });

  it("an organisation that joins an excluded network sends tombstones for its missions", async () => {
    const { annonceur, diffuseur, publish, mirror } = await setUp("net");
    await server.allow(diffuseur.id, annonceur.id);
    const res = await rule(annonceur, { publisherIds: [diffuseur.id], field: "publisherOrganization.parentOrganizations", operator: "does_not_contain", value: "Réseau Exclu" });
    expect(res.status, res.text).toBe(201);
    const org = { organizationClientId: "org-net", organizationName: "Maison des jeunes" };
    const joining = [await publish("m1", org), await publish("m2", org)];
    const other = await publish("m3", { organizationClientId: "org-other", organizationName: "Autre maison" });
    await mirror.sync();
    expect(mirror.missions.size).toBe(3);

    // The annonceur declares the network while updating one mission: the organisation changes, and
    // with it the view of its other mission, whose row does not change.
    const put = await server.request("/v2/mission/net-m1", { method: "PUT", apiKey: annonceur.apiKey, json: { ...org, organizationReseaux: ["Réseau Exclu"] } });
    expect(put.status, put.text).toBe(200);
    const { tombstones } = await mirror.sync();
    expect(tombstones.map((m) => m.id).sort()).toEqual([...joining].sort());
    expect(mirror.missions.has(other)).toBe(true);
    await mirror.expectInSync();
  });

  it("a moderator's acceptance, refusal and removed decision reach its mirror", async () => {
    const { annonceur, publish } = await setUp("mod");
    const moderator = await server.partner({ annonceur: false, diffuseur: true, moderator: true });
    await server.allow(moderator.id, annonceur.id);
    const mirror = new Mirror(moderator);
    const first = await publish("m1");
    const second = await publish("m2");
    await mirror.sync();
    expect(mirror.missions.size).toBe(0);

    const db = server.database.db;
    await db
      .insertInto("mission_moderation_status")
      .values([
        { mission_id: first, publisher_id: moderator.id, status: "ACCEPTED", title: "Titre relu", comment: null, note: null },
        { mission_id: second, publisher_id: moderator.id, status: "ACCEPTED", title: null, comment: null, note: null },
      ])
      .execute();
    const accepted = await mirror.sync();
    expect(accepted.live.map((m) => m.id).sort()).toEqual([first, second].sort());
    expect(mirror.missions.get(first)?.title).toBe("Titre relu");

    await db.updateTable("mission_moderation_status").set({ title: "Titre relu deux fois" }).where("mission_id", "=", first).execute();
    const retitled = await mirror.sync();
    expect(retitled.live.map((m) => m.id)).toEqual([first]);
    await mirror.expectInSync();

    await db.updateTable("mission_moderation_status").set({ status: "REFUSED" }).where("mission_id", "=", first).execute();
    await db.deleteFrom("mission_moderation_status").where("mission_id", "=", second).execute();
    const { tombstones } = await mirror.sync();
    expect(tombstones.map((m) => m.id).sort()).toEqual([first, second].sort());
    await mirror.expectInSync();
  });

  it("a deleted annonceur sends tombstones for all its missions", async () => {
    const { annonceur, diffuseur, publish, mirror } = await setUp("gone");
    await server.allow(diffuseur.id, annonceur.id);
    const missions = [await publish("m1"), await publish("m2"), await publish("m3")];
    await mirror.sync();
    expect(mirror.missions.size).toBe(3);
    await server.database.db.updateTable("publisher").set({ deleted_at: new Date() }).where("id", "=", annonceur.id).execute();
    const { tombstones } = await mirror.sync();
    expect(tombstones.map((m) => m.id).sort()).toEqual([...missions].sort());
    await mirror.expectInSync();
  });

  it("a sync with nothing changed receives nothing", async () => {
    const { annonceur, diffuseur, publish, mirror } = await setUp("idle");
    await server.allow(diffuseur.id, annonceur.id);
    await publish("m1");
    await mirror.sync();
    const { live, tombstones } = await mirror.sync();
    expect(live).toEqual([]);
    expect(tombstones).toEqual([]);
  });
});
