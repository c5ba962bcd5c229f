/** Builds feed XML for tests: a mission is an object whose values are text, lists of text, or nested elements. */
export type FeedValue = string | number | FeedValue[] | { [element: string]: FeedValue };

function element(name: string, value: FeedValue): string {
  if (Array.isArray(value)) return `<${name}>${value.map((v) => (typeof v === "object" ? element(Object.keys(v)[0]!, Object.values(v)[0]!) : `<value><![CDATA[${v}]]></value>`)).join("")}</${name}>`;
  if (typeof value === "object") return `<${name}>${Object.entries(value).map(([k, v]) => element(k, v)).join("")}</${name}>`;
  return `<${name}><![CDATA[${value}]]></${name}>`;
}

export function missionXml(fields: Record<string, FeedValue>): string {
  return element("mission", fields);
}

export function feedXml(missions: Record<string, FeedValue>[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<source>\n<publisher>Test</publisher>\n${missions.map(missionXml).join("\n")}\n</source>\n`;
}

/** A valid mission with sensible defaults. */
export function feedMission(clientId: string, extra: Record<string, FeedValue> = {}): Record<string, FeedValue> {
  return {
    clientId,
    title: `Mission de test ${clientId}`,
    description: "<p>Accompagner des élèves dans leurs devoirs, deux fois par semaine.</p>",
    applicationUrl: `https://asso.example/missions/${clientId}`,
    startAt: "2026-09-01",
    endAt: "2027-06-30",
    domain: "education",
    activity: "soutien-scolaire",
    addresses: [{ address: { street: "10 rue de la République", postalCode: "69002", city: "Lyon", country: "FR" } }],
    organizationClientId: "org-1",
    organizationName: "Association Réussir Ensemble",
    ...extra,
  };
}
