/**
 * The diffuseur setting that replaces today's hard-coded Leboncoin behaviour (legacy-api.md §4.4):
 * full-remote missions are shown as "[À distance] …" offers located in Paris, to that diffuseur only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe("remoteAsParis diffuseur setting", () => {
  it("moves full-remote missions to Paris with an [À distance] title for that diffuseur only", async () => {
    const annonceur = await server.partner({ annonceur: true });
    const board = await server.partner({ annonceur: false, diffuseur: true, remoteAsParis: true });
    const site = await server.partner({ annonceur: false, diffuseur: true });
    for (const d of [board, site]) await server.allow(d.id, annonceur.id);
    const lyon = [{ street: "3 quai Jules Courmont", postalCode: "69002", city: "Lyon", country: "FR" }];
    const remote = await server.publish(annonceur, "remote-1", { title: "Traduire des documents", remote: "full", addresses: lyon });
    const onSite = await server.publish(annonceur, "onsite-1", { title: "Tenir un stand", remote: "no", addresses: lyon });

    const shown = (await server.request(`/v0/mission/${remote}`, { apiKey: board.apiKey })).body.data;
    expect(shown).toMatchObject({
      title: "[À distance] Traduire des documents",
      city: "Paris",
      postalCode: "75000",
      departmentCode: "75",
      departmentName: "Paris",
      country: "FR",
      location: { lat: 48.854744, lon: 2.348715 },
      address: "3 quai Jules Courmont",
    });
    // The address list itself stays true.
    expect(shown.addresses[0]).toMatchObject({ city: "Lyon", postalCode: "69002" });
    const list = (await server.request("/v0/mission?limit=10", { apiKey: board.apiKey })).body.data;
    expect(list.find((m: { id: string }) => m.id === remote).title).toBe("[À distance] Traduire des documents");
    expect(list.find((m: { id: string }) => m.id === onSite)).toMatchObject({ title: "Tenir un stand", city: "Lyon" });

    const elsewhere = (await server.request(`/v0/mission/${remote}`, { apiKey: site.apiKey })).body.data;
    expect(elsewhere).toMatchObject({ title: "Traduire des documents", city: "Lyon", postalCode: "69002" });
  });
});
