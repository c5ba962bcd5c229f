/**
 * Baseline of the diffuseur search benchmark: "the straightforward SQL" of issue 3, i.e. what a
 * fresh (no snapshot) implementation of today's behaviour does over the normalised tables with
 * ordinary B-tree indexes only:
 *
 * - visibility, resolved from the live rules inside each statement: ACCEPTED, not deleted, the
 *   diffuseur's own missions or those of an annonceur it has a root rule on, minus the organisations
 *   excluded by that root's child rules (`publisherOrganization.clientId is_not`,
 *   `publisherOrganization.parentOrganizations does_not_contain`);
 * - filters as today (legacy-api.md §4.1): `keywords` = ILIKE '%…%' on title, organisation name,
 *   domain or any address city; address filters (department, bounding box) on one same address;
 *   the bounding box "radius" (`d/111.32` degrees of latitude, `d/(111.32·cos lat)` of longitude),
 *   OR'ed with `remote = 'local'` when `remote` is absent or contains `local`;
 * - one request = `COUNT(*)`, six `GROUP BY` facets (domain; activities via unnest; department of the
 *   first address; publisher; remote; type), a page of 25 ordered by `start_at DESC NULLS FIRST, id`
 *   with full mission rows, then the page's addresses, organisations and publishers: 11 statements
 *   in sequence on one connection, each re-applying the filters.
 */
import type pg from "pg";

export type BaselineQueryName = "none" | "domain" | "keywords" | "departmentName" | "geo" | "combo";

export interface BaselineParams {
  /** The calling diffuseur. */
  diffuseurId: string;
  domain?: string[];
  keywords?: string;
  departmentName?: string[];
  remote?: string[];
  openToMinors?: boolean;
  lat?: number;
  lon?: number;
  /** Radius of the bounding box, km (default 50 as today). */
  distanceKm?: number;
  limit?: number;
  skip?: number;
  /** Compute the facets (default true). */
  facets?: boolean;
}

export type BaselineFilters = Omit<BaselineParams, "diffuseurId">;

export const PARIS = { lat: 48.8566, lon: 2.3522 };

/** The query mix of the benchmark (same values as the HTTP side of bench/search.ts). */
export const BASELINE_MIX: Record<BaselineQueryName, BaselineFilters> = {
  none: {},
  domain: { domain: ["sante"] },
  keywords: { keywords: "soutien scolaire" },
  departmentName: { departmentName: ["Paris"] },
  geo: { lat: PARIS.lat, lon: PARIS.lon, distanceKm: 25 },
  combo: { domain: ["sante"], lat: PARIS.lat, lon: PARIS.lon, distanceKm: 25, remote: ["no"], openToMinors: true },
};

export interface Bucket {
  key: string | null;
  doc_count: number;
}

export interface BaselineResult {
  total: number;
  facets: Record<string, Bucket[]>;
  hits: (Record<string, unknown> & { _distance?: number })[];
}

/** Ordinary indexes the baseline relies on (in addition to those of the migrations). */
export async function ensureBaselineIndexes(pool: pg.Pool): Promise<void> {
  const statements = [
    "CREATE INDEX IF NOT EXISTS bench_baseline_address_city_idx ON mission_address (city)",
    "CREATE INDEX IF NOT EXISTS bench_baseline_address_department_idx ON mission_address (department_name)",
    "CREATE INDEX IF NOT EXISTS bench_baseline_address_location_idx ON mission_address (location_lat, location_lon)",
    "CREATE INDEX IF NOT EXISTS bench_baseline_mission_domain_idx ON mission (domain)",
    "ANALYZE mission",
    "ANALYZE mission_address",
  ];
  for (const statement of statements) await pool.query(statement);
}

/** Drops the indexes of {@link ensureBaselineIndexes}. */
export async function dropBaselineIndexes(pool: pg.Pool): Promise<void> {
  for (const name of ["address_city", "address_department", "address_location", "mission_domain"]) {
    await pool.query(`DROP INDEX IF EXISTS bench_baseline_${name}_idx`);
  }
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface Filtered {
  /** `WITH … ` prefix, then `FROM mission m … WHERE …` (organisation join included when needed). */
  withClause: string;
  from: string;
  where: string;
  values: unknown[];
}

/** The FROM/WHERE of every statement of one request (exported to EXPLAIN it). */
export function filtered(params: BaselineParams): Filtered {
  const values: unknown[] = [params.diffuseurId];
  const arg = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const withClause = `WITH roots AS (
    SELECT r.id, r.value AS annonceur_id FROM diffusion_rule r
    WHERE r.publisher_id = $1 AND r.combined_with_id IS NULL AND r.field = 'publisherId' AND r.operator = 'is'
      AND r.deleted_at IS NULL
  ), excluded AS (
    SELECT o.id FROM roots r
    JOIN diffusion_rule c ON c.combined_with_id = r.id AND c.deleted_at IS NULL
    JOIN publisher_organization o ON o.publisher_id = r.annonceur_id
     AND ((c.field = 'publisherOrganization.clientId' AND c.operator = 'is_not' AND o.client_id = c.value)
       OR (c.field = 'publisherOrganization.parentOrganizations' AND c.operator = 'does_not_contain'
           AND c.value = ANY (o.parent_organizations)))
  )`;
  const where = [
    "m.status_code = 'ACCEPTED'",
    "m.deleted_at IS NULL",
    "(m.publisher_id = $1 OR m.publisher_id IN (SELECT annonceur_id FROM roots))",
    "(m.organization_id IS NULL OR m.organization_id NOT IN (SELECT id FROM excluded))",
  ];
  let from = "FROM mission m";

  if (params.domain?.length) where.push(`m.domain = ANY (${arg(params.domain)})`);
  if (params.remote?.length) where.push(`m.remote = ANY (${arg(params.remote)})`);
  if (params.openToMinors !== undefined) where.push(`m.open_to_minors = ${arg(params.openToMinors)}`);
  if (params.keywords) {
    from += " LEFT JOIN publisher_organization o ON o.id = m.organization_id";
    const k = arg(likePattern(params.keywords));
    where.push(
      `(m.title ILIKE ${k} OR o.name ILIKE ${k} OR m.domain ILIKE ${k}
        OR m.id IN (SELECT ka.mission_id FROM mission_address ka WHERE ka.city ILIKE ${k}))`,
    );
  }
  // Address filters hold on one same address.
  const addressConditions: string[] = [];
  if (params.departmentName?.length) addressConditions.push(`a.department_name = ANY (${arg(params.departmentName)})`);
  const geo = params.lat !== undefined && params.lon !== undefined && params.lat !== 0 && params.lon !== 0;
  if (geo) {
    const d = params.distanceKm ?? 50;
    const latDelta = d / 111.32;
    const lonDelta = d / (111.32 * Math.cos((params.lat! * Math.PI) / 180));
    addressConditions.push(
      `a.location_lat BETWEEN ${arg(params.lat! - latDelta)} AND ${arg(params.lat! + latDelta)}`,
      `a.location_lon BETWEEN ${arg(params.lon! - lonDelta)} AND ${arg(params.lon! + lonDelta)}`,
    );
  }
  if (addressConditions.length > 0) {
    const exists = `EXISTS (SELECT 1 FROM mission_address a WHERE a.mission_id = m.id AND ${addressConditions.join(" AND ")})`;
    const keepLocal = geo && (!params.remote?.length || params.remote.includes("local"));
    where.push(keepLocal ? `(${exists} OR m.remote = 'local')` : exists);
  }
  return { withClause, from, where: `WHERE ${where.join("\n    AND ")}`, values };
}

const FACETS: { name: string; key: string; join?: string }[] = [
  { name: "domains", key: "m.domain" },
  { name: "activities", key: "act.label", join: "CROSS JOIN LATERAL unnest(m.activities) AS act(label)" },
  { name: "departmentName", key: "fa.department_name", join: "LEFT JOIN mission_address fa ON fa.mission_id = m.id AND fa.position = 0" },
  { name: "publishers", key: "m.publisher_id" },
  { name: "remote", key: "m.remote" },
  { name: "type", key: "m.type" },
];

function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(a));
}

/**
 * Runs one query of the mix the straightforward way. `params` gives the diffuseur and may override
 * the mix's filters.
 */
export async function runBaselineQuery(
  pool: pg.Pool,
  name: BaselineQueryName,
  params: Partial<BaselineFilters> & { diffuseurId: string },
): Promise<BaselineResult> {
  const p: BaselineParams = { ...BASELINE_MIX[name], ...params };
  const f = filtered(p);
  const limit = p.limit ?? 25;
  const skip = p.skip ?? 0;
  const client = await pool.connect();
  try {
    const count = await client.query<{ total: number | string }>(`${f.withClause} SELECT count(*) AS total ${f.from} ${f.where}`, f.values);
    const total = Number(count.rows[0]?.total ?? 0);

    const facets: Record<string, Bucket[]> = {};
    if (p.facets !== false) {
      for (const facet of FACETS) {
        const result = await client.query<{ key: string | null; doc_count: number | string }>(
          `${f.withClause} SELECT ${facet.key} AS key, count(*) AS doc_count ${f.from} ${facet.join ?? ""} ${f.where}
           GROUP BY 1 ORDER BY 2 DESC, 1`,
          f.values,
        );
        facets[facet.name] = result.rows.map((r) => ({ key: r.key, doc_count: Number(r.doc_count) }));
      }
    }

    const page = await client.query<Record<string, unknown> & { id: string; organization_id: string | null; publisher_id: string }>(
      `${f.withClause} SELECT m.* ${f.from} ${f.where}
       ORDER BY m.start_at DESC NULLS FIRST, m.id LIMIT ${Number(limit)} OFFSET ${Number(skip)}`,
      f.values,
    );
    const ids = page.rows.map((r) => r.id);
    const organizationIds = [...new Set(page.rows.map((r) => r.organization_id).filter((id): id is string => id !== null))];
    const publisherIds = [...new Set(page.rows.map((r) => r.publisher_id))];
    const addresses = await client.query<{ mission_id: string; location_lat: number | null; location_lon: number | null }>(
      "SELECT * FROM mission_address WHERE mission_id = ANY ($1) ORDER BY mission_id, position",
      [ids],
    );
    const organizations = await client.query<{ id: string }>("SELECT * FROM publisher_organization WHERE id = ANY ($1::uuid[])", [organizationIds]);
    const publishers = await client.query<{ id: string }>("SELECT * FROM publisher WHERE id = ANY ($1)", [publisherIds]);

    const addressesOf = new Map<string, (typeof addresses.rows)[number][]>();
    for (const a of addresses.rows) {
      const list = addressesOf.get(a.mission_id);
      if (list) list.push(a);
      else addressesOf.set(a.mission_id, [a]);
    }
    const organizationById = new Map(organizations.rows.map((o) => [o.id, o]));
    const publisherById = new Map(publishers.rows.map((x) => [x.id, x]));
    const hits = page.rows.map((row) => {
      const own = addressesOf.get(row.id) ?? [];
      const first = own[0];
      const hit: Record<string, unknown> & { _distance?: number } = {
        ...row,
        addresses: own,
        organization: row.organization_id ? organizationById.get(row.organization_id) : undefined,
        publisher: publisherById.get(row.publisher_id),
      };
      if (p.lat !== undefined && p.lon !== undefined && first?.location_lat != null && first.location_lon != null) {
        hit._distance = Number(haversineKm(p.lat, p.lon, first.location_lat, first.location_lon).toFixed(3));
      }
      return hit;
    });
    return { total, facets, hits };
  } finally {
    client.release();
  }
}
