/**
 * Diffusion rules in the database: who diffuses whom (roots) and the annonceur's exclusions (children).
 * Rules are soft-deleted so that changes keep a history.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../db/connection.ts";
import type { DiffusionRuleRow, PublisherRow } from "../db/schema.ts";
import { ROOT_FIELD } from "./rules.ts";

export interface DiffuseurScope {
  diffuseur: PublisherRow;
  root: DiffusionRuleRow;
  children: DiffusionRuleRow[];
}

/** Diffuseurs allowed to show the annonceur's missions, ordered by name, with their child rules. */
export async function diffuseursOf(db: Db, annonceurId: string): Promise<DiffuseurScope[]> {
  const rows = await db
    .selectFrom("diffusion_rule as r")
    .innerJoin("publisher as p", "p.id", "r.publisher_id")
    .selectAll("p")
    .select(["r.id as root_id"])
    .where("r.combined_with_id", "is", null)
    .where("r.field", "=", ROOT_FIELD)
    .where("r.value", "=", annonceurId)
    .where("r.deleted_at", "is", null)
    .where("p.deleted_at", "is", null)
    .orderBy("p.name")
    .orderBy("p.id")
    .execute();
  if (rows.length === 0) return [];
  const rootIds = rows.map((r) => r.root_id);
  const [roots, children] = await Promise.all([
    db.selectFrom("diffusion_rule").selectAll().where("id", "in", rootIds).execute(),
    db
      .selectFrom("diffusion_rule")
      .selectAll()
      .where("combined_with_id", "in", rootIds)
      .where("deleted_at", "is", null)
      .orderBy("position")
      .orderBy("created_at")
      .execute(),
  ]);
  const rootById = new Map(roots.map((r) => [r.id, r]));
  return rows.map(({ root_id, ...diffuseur }) => ({
    diffuseur,
    root: rootById.get(root_id) as DiffusionRuleRow,
    children: children.filter((c) => c.combined_with_id === root_id),
  }));
}

/** The live root rule "diffuseur may show annonceur", if any. */
function findRoot(db: Db, diffuseurId: string, annonceurId: string) {
  return db
    .selectFrom("diffusion_rule")
    .selectAll()
    .where("publisher_id", "=", diffuseurId)
    .where("combined_with_id", "is", null)
    .where("field", "=", ROOT_FIELD)
    .where("value", "=", annonceurId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

/** Lets the diffuseur show the annonceur's missions (idempotent). Returns the root rule. */
export async function allowDiffusion(db: Db, diffuseurId: string, annonceurId: string, createdBy = "admin"): Promise<DiffusionRuleRow> {
  const existing = await findRoot(db, diffuseurId, annonceurId);
  if (existing) return existing;
  return db
    .insertInto("diffusion_rule")
    .values({
      id: randomUUID(),
      publisher_id: diffuseurId,
      combined_with_id: null,
      field: ROOT_FIELD,
      operator: "is",
      value: annonceurId,
      combinator: "or",
      created_by: createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Withdraws the right (root and its children, soft-deleted). Returns false if there was none. */
export async function revokeDiffusion(db: Db, diffuseurId: string, annonceurId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const root = await findRoot(trx, diffuseurId, annonceurId);
    if (!root) return false;
    const now = new Date();
    await trx
      .updateTable("diffusion_rule")
      .set({ deleted_at: now, updated_at: now })
      .where((eb) => eb.or([eb("id", "=", root.id), eb("combined_with_id", "=", root.id)]))
      .where("deleted_at", "is", null)
      .execute();
    return true;
  });
}

export async function addChildRule(
  db: Db,
  root: DiffusionRuleRow,
  rule: { field: string; fieldType: string; operator: string; value: string },
  createdBy: string,
): Promise<DiffusionRuleRow> {
  return db
    .insertInto("diffusion_rule")
    .values({
      id: randomUUID(),
      publisher_id: root.publisher_id,
      combined_with_id: root.id,
      field: rule.field,
      field_type: rule.fieldType,
      operator: rule.operator,
      value: rule.value,
      combinator: "or",
      position: 0,
      created_by: createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function softDeleteRule(db: Db, ruleId: string): Promise<void> {
  const now = new Date();
  await db.updateTable("diffusion_rule").set({ deleted_at: now, updated_at: now }).where("id", "=", ruleId).execute();
}
