/**
 * The `engagement` command. Each command prints JSON (one line) on success (`bots suspects` and
 * `warnings run` print a list unless --json), or one French line on stderr and a non-zero exit on failure. Commands work while `serve` runs, on PostgreSQL and on the
 * embedded database alike (see db/embedded.ts).
 */
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import type { DatabaseHandle } from "./db/connection.ts";
import type { MissionType } from "./db/schema.ts";
import { formatBytes } from "./feeds/byte-size.ts";

// Modules are loaded by the commands that need them, so `--help` and errors answer at once.
const MISSION_TYPES: MissionType[] = [
  "benevolat",
  "volontariat_service_civique",
  "volontariat_sapeurs_pompiers",
  "volontariat_reserve_operationnelle",
];

/** A mistake in the command line: exit 2, and `showHelp` points to the command's --help. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly showHelp = false,
  ) {
    super(message);
  }
}

/** A problem of the environment (address, port, directory) explained in French: exit 1. */
class OperatorError extends Error {}

const COMMANDS = ["start", "serve", "migrate", "publisher", "diffusion", "demo", "import", "bots", "stats", "warnings"];

/** Sub-commands of the grouped commands. */
const SUBCOMMANDS: Record<string, string[]> = {
  publisher: ["create", "key", "list"],
  diffusion: ["add", "remove"],
  bots: ["block", "unblock", "suspects"],
  stats: ["verify"],
  warnings: ["run"],
};

const orList = (items: string[]) => (items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} ou ${items[items.length - 1]}`);

function unknownSubcommand(command: string, sub: string | undefined): UsageError {
  return new UsageError(`sous-commande inconnue : ${command} ${sub ?? ""}${didYouMean(sub ?? "", SUBCOMMANDS[command] ?? [])} (possibles : ${orList(SUBCOMMANDS[command] ?? [])})`, true);
}

/** The --help to read after a usage error in `argv`. */
function helpCommand(argv: string[]): string {
  const [command, sub] = argv;
  if (!command || !COMMANDS.includes(command)) return "engagement --help";
  if (sub && SUBCOMMANDS[command]?.includes(sub)) return `engagement ${command} ${sub} --help`;
  return `engagement ${command} --help`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** ", vouliez-vous dire X ?" when one candidate is close to what was typed (a typo or a prefix). */
function didYouMean(typed: string, candidates: string[]): string {
  if (!typed) return "";
  const scored = candidates
    .map((c) => ({ c, d: c.startsWith(typed) || typed.startsWith(c) ? 1 : editDistance(typed.toLowerCase(), c) }))
    .filter(({ c, d }) => d <= Math.max(1, Math.min(2, Math.floor(c.length / 3))))
    .sort((x, y) => x.d - y.d);
  return scored[0] ? `, vouliez-vous dire ${scored[0].c} ?` : "";
}

const HELP: Record<string, string> = {
  stats: `Usage : engagement stats verify [--from AAAA-MM-JJ] [--to AAAA-MM-JJ] [--json]
Recalcule depuis les événements bruts les tables de statistiques (tenues à jour à chaque écriture
d'événements) et signale chaque écart ; code de sortie 1 s'il y en a. Les mois touchés par la
période sont vérifiés en entier ; sans période, tout l'historique.
  --from, --to   période (jours de Paris)
  --json         une ligne JSON {"ok", "events", "tables"} au lieu du résumé`,
  main: `Usage : engagement <commande> [options]

Commandes :
  start                 charge les données de démonstration si la base est vide, puis lance le service
  serve                 lance le service HTTP (sans données de démonstration)
  migrate               applique les migrations de la base et s'arrête
  publisher create      crée un partenaire et affiche sa clé API
  publisher key ID      remplace la clé API d'un partenaire
  publisher list        liste les partenaires
  diffusion add         autorise un diffuseur à montrer les missions d'un annonceur
  diffusion remove      retire cette autorisation
  demo                  charge les données de démonstration dans une base vide
  import                importe les flux XML des annonceurs (ou un fichier, une URL)
  bots block|unblock    marque (ou non) une empreinte de visiteur comme robot
  bots suspects         cherche les robots probables et liste les alertes en cours
  warnings run          vérifie tout de suite les alertes des partenaires et affiche les changements
  stats verify          recalcule les statistiques depuis les événements et signale tout écart

Base : DATABASE_URL (PostgreSQL) ou, à défaut, base embarquée dans DATA_DIR (./data).
« engagement <commande> --help » détaille chaque commande.`,
  start: `Usage : engagement start
Charge les données de démonstration si la base est vide, lance le service et affiche l'adresse,
les clés API des partenaires de démonstration et un exemple curl.`,
  serve: `Usage : engagement serve
Lance le service HTTP sur HOST:PORT (défaut 127.0.0.1:3000). Migrations appliquées au démarrage.`,
  migrate: `Usage : engagement migrate
Applique les migrations en attente et affiche {"applied": [...]}.`,
  "publisher create": `Usage : engagement publisher create --name NOM [options]
  --name NOM                 nom du partenaire (obligatoire)
  --annonceur                publie des missions
  --diffuseur                diffuse des missions par l'API
  --widget                   droits widget
  --campaign                 droits campagne
  --moderator                modère les missions qu'il diffuse
  --mission-type TYPE        ${MISSION_TYPES.join(", ")}
  --feed URL                 flux XML de l'annonceur (http ou https)
  --tracking-prefix utm|mtm  préfixe des paramètres de suivi (défaut utm)
  --skip-moderation          pas de modération automatique pour ses missions
  --remote-as-paris          diffuseur : missions à distance montrées « [À distance] » à Paris
  --url URL                  site du partenaire
Affiche {"id", "name", "apiKey"} : la clé n'est affichée qu'une fois.`,
  "publisher key": `Usage : engagement publisher key ID [--keep-old]
Crée une nouvelle clé API et révoque les précédentes (sauf avec --keep-old).
Affiche {"id", "apiKey", "revoked"}.`,
  "publisher list": `Usage : engagement publisher list
Affiche un partenaire par ligne (JSON), avec ses clés (préfixe, dernière utilisation).`,
  "diffusion add": `Usage : engagement diffusion add --diffuseur ID --annonceur ID
Le diffuseur peut montrer les missions de l'annonceur (effet immédiat).`,
  "diffusion remove": `Usage : engagement diffusion remove --diffuseur ID --annonceur ID
Retire ce droit et les exclusions qui l'accompagnaient.`,
  import: `Usage : engagement import [--publisher ID] [--file CHEMIN | --url URL] [options]
  --publisher ID         n'importe que ce partenaire (sinon : tous les annonceurs ayant un flux)
  --file CHEMIN          lit ce fichier XML au lieu du flux configuré (avec --publisher)
  --url URL              lit cette adresse au lieu du flux configuré (avec --publisher)
  --dry-run              calcule le rapport sans rien écrire
  --confirm-deletions    supprime les missions absentes même si le flux a perdu plus de la moitié
                         de ses missions depuis le dernier import réussi
Affiche une barre de progression sur un terminal, puis le rapport en JSON sur la dernière ligne.
Code de sortie 1 si un import a échoué.`,
  bots: `Usage : engagement bots block EMPREINTE [--reason TEXTE]
       engagement bots unblock EMPREINTE
       engagement bots suspects [--json]
block, unblock : une empreinte bloquée est un robot : ses événements passés et futurs sont exclus
  des chiffres. Affiche {"ok", "fingerprint", "events"} (nombre d'événements requalifiés).
suspects : lance tout de suite la recherche de robots probables (faite aussi toutes les 3 heures,
  BOT_WATCH_SCHEDULE) : au moins 200 clics en 24 heures, tous venus d'un même diffuseur, sans
  candidature ni création de compte. Rien n'est bloqué automatiquement. Affiche les alertes en
  cours : empreinte, diffuseur, clics sur 24 heures, dernier clic.
  --json    une ligne JSON {"ok", "run", "suspects"} au lieu du tableau`,
  warnings: `Usage : engagement warnings run [--json] [--publisher ID]
Vérifie tout de suite les alertes des partenaires (fait aussi chaque heure, WARNINGS_SCHEDULE) :
  empty_feed             le dernier import du flux n'a produit aucune mission
  feed_error             les 3 derniers imports du flux (ou plus) ont échoué
  low_acceptance         moins de 50 % des missions en ligne sont acceptées (à partir de 20)
  no_conversion          au moins 50 redirections en 7 jours, aucune candidature ni création de compte
  suspected_bot_traffic  le diffuseur a des robots probables (bots suspects)
Ouvre les nouvelles alertes, met à jour celles qui durent, résout celles qui ont cessé, et les affiche.
  --publisher ID   ne vérifie que ce partenaire
  --json           une ligne JSON {"ok", "raised", "updated", "resolved"} au lieu de la liste`,
  demo: `Usage : engagement demo [--missions N]
Charge le jeu de démonstration (partenaires, règles de diffusion, missions) dans une base vide
et affiche les clés API créées.`,
};

type Options = NonNullable<ParseArgsConfig["options"]>;

// Option values are read by name below; parseArgs has already checked their types.
type Values = Record<string, any>;

/**
 * Reads the options of a command. The checks of parseArgs' strict mode are made here, from its
 * tokens, so that each mistake gets one French line naming the option.
 */
function parse(args: string[], options: Options, allowPositionals = 0): { values: Values; positionals: string[] } {
  const all: Options = { ...options, help: { type: "boolean", short: "h" } };
  const { values, positionals, tokens } = parseArgs({ args, options: all, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const option = Object.hasOwn(all, token.name) ? all[token.name] : undefined;
    if (!option) {
      const longNames = Object.keys(all).map((name) => `--${name}`);
      throw new UsageError(`option inconnue : ${token.rawName}${didYouMean(token.rawName, longNames)}`, true);
    }
    if (option.type === "boolean" && token.value !== undefined) {
      throw new UsageError(`${token.rawName} ne prend pas de valeur (reçu « ${token.value} ») : écrivez ${token.rawName} seul`, true);
    }
    if (option.type === "string") {
      if (token.value === undefined) throw new UsageError(`${token.rawName} demande une valeur (${token.rawName} VALEUR)`, true);
      if (!token.inlineValue && token.value.length > 1 && token.value.startsWith("-")) {
        throw new UsageError(`${token.rawName} demande une valeur, or « ${token.value} » ressemble à une option : écrivez ${token.rawName}=${token.value} si c'est bien la valeur`, true);
      }
    }
  }
  if (positionals.length > allowPositionals) {
    throw new UsageError(`argument inattendu : ${positionals.slice(allowPositionals).join(" ")}`, true);
  }
  return { values, positionals };
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

async function withDatabase<T>(config: Config, fn: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  const { openAndMigrate } = await import("./server.ts");
  const database = await openAndMigrate(config);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

function requireId(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`${what} manquant`, true);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw new UsageError(`${what} invalide : « ${value} »`);
  return value;
}

async function publisherCommand(config: Config, sub: string | undefined, args: string[]) {
  const { createApiKey, hashApiKey, listApiKeys, revokeApiKeys } = await import("./publishers/api-keys.ts");
  const { createPublisher, findPublisher } = await import("./publishers/publishers.ts");
  if (sub === "create") {
    const { values } = parse(args, {
      name: { type: "string" },
      annonceur: { type: "boolean" },
      diffuseur: { type: "boolean" },
      widget: { type: "boolean" },
      campaign: { type: "boolean" },
      moderator: { type: "boolean" },
      "mission-type": { type: "string" },
      feed: { type: "string" },
      "tracking-prefix": { type: "string" },
      "skip-moderation": { type: "boolean" },
      "remote-as-paris": { type: "boolean" },
      url: { type: "string" },
    });
    if (values.help) return console.log(HELP["publisher create"]);
    const name = values.name?.trim();
    if (!name) throw new UsageError("--name est obligatoire (engagement publisher create --name \"Mon partenaire\")");
    const missionType = values["mission-type"];
    if (missionType && !MISSION_TYPES.includes(missionType as MissionType)) {
      throw new UsageError(`--mission-type doit valoir ${MISSION_TYPES.join(", ")} (reçu « ${missionType} »)`);
    }
    const prefix = values["tracking-prefix"] ?? "utm";
    if (prefix !== "utm" && prefix !== "mtm") throw new UsageError(`--tracking-prefix doit valoir utm ou mtm (reçu « ${prefix} »)`);
    if (values.url !== undefined && !/^https?:\/\/[^\s]+$/i.test(values.url)) throw new UsageError(`--url doit être une URL http(s) (reçu « ${values.url} »)`);
    if (values.feed !== undefined) {
      const { checkFeedUrl } = await import("./feeds/network-guard.ts");
      const checked = checkFeedUrl(values.feed);
      if (!checked.ok) throw new UsageError(`--feed : ${checked.message}`);
    }
    return withDatabase(config, async ({ db }) => {
      const { publisher, apiKey } = await createPublisher(db, {
        name,
        annonceur: values.annonceur,
        diffuseur: values.diffuseur,
        widget: values.widget,
        campaign: values.campaign,
        moderator: values.moderator,
        missionType: (missionType as MissionType | undefined) ?? null,
        feedUrl: values.feed ?? null,
        trackingPrefix: prefix,
        skipModeration: values["skip-moderation"],
        remoteAsParis: values["remote-as-paris"],
        url: values.url ?? null,
      });
      print({ id: publisher.id, name: publisher.name, apiKey });
    });
  }
  if (sub === "key") {
    const { values, positionals } = parse(args, { "keep-old": { type: "boolean" } }, 1);
    if (values.help) return console.log(HELP["publisher key"]);
    const id = requireId(positionals[0], "identifiant du partenaire");
    return withDatabase(config, async ({ db }) => {
      const result = await db.transaction().execute(async (trx) => {
        if (!(await findPublisher(trx, id))) throw new UsageError(`partenaire introuvable : ${id}`);
        const apiKey = await createApiKey(trx, id, "rotation");
        const revoked = values["keep-old"] ? 0 : await revokeApiKeys(trx, id, hashApiKey(apiKey));
        return { id, apiKey, revoked };
      });
      print(result);
    });
  }
  if (sub === "list") {
    const { values } = parse(args, {});
    if (values.help) return console.log(HELP["publisher list"]);
    return withDatabase(config, async ({ db }) => {
      const publishers = await db.selectFrom("publisher").selectAll().where("deleted_at", "is", null).orderBy("name").execute();
      for (const p of publishers) {
        const keys = await listApiKeys(db, p.id);
        print({
          id: p.id,
          name: p.name,
          annonceur: p.is_annonceur,
          diffuseur: p.has_api_rights,
          widget: p.has_widget_rights,
          campaign: p.has_campaign_rights,
          moderator: p.moderator,
          missionType: p.mission_type,
          keys: keys.filter((k) => !k.revokedAt).map((k) => ({ prefix: k.prefix, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt })),
        });
      }
    });
  }
  throw unknownSubcommand("publisher", sub);
}

async function diffusionCommand(config: Config, sub: string | undefined, args: string[]) {
  if (sub !== "add" && sub !== "remove") throw unknownSubcommand("diffusion", sub);
  const { values } = parse(args, { diffuseur: { type: "string" }, annonceur: { type: "string" } });
  if (values.help) return console.log(HELP[`diffusion ${sub}`]);
  const { findPublisher } = await import("./publishers/publishers.ts");
  const { allowDiffusion, revokeDiffusion } = await import("./diffusion/repository.ts");
  const diffuseurId = requireId(values.diffuseur, "--diffuseur");
  const annonceurId = requireId(values.annonceur, "--annonceur");
  return withDatabase(config, async ({ db }) => {
    const [diffuseur, annonceur] = await Promise.all([findPublisher(db, diffuseurId), findPublisher(db, annonceurId)]);
    if (!diffuseur) throw new UsageError(`diffuseur introuvable : ${diffuseurId}`);
    if (!annonceur) throw new UsageError(`annonceur introuvable : ${annonceurId}`);
    if (sub === "add") {
      const root = await allowDiffusion(db, diffuseurId, annonceurId);
      print({ ok: true, ruleId: root.id, diffuseur: diffuseurId, annonceur: annonceurId });
    } else {
      const removed = await revokeDiffusion(db, diffuseurId, annonceurId);
      print({ ok: true, removed, diffuseur: diffuseurId, annonceur: annonceurId });
    }
  });
}

async function botsCommand(config: Config, sub: string | undefined, args: string[]) {
  if (sub === "suspects") return suspectsCommand(config, args);
  if (sub !== "block" && sub !== "unblock") throw unknownSubcommand("bots", sub);
  const { values, positionals } = parse(args, { reason: { type: "string" } }, 1);
  if (values.help) return console.log(HELP.bots);
  const { blockFingerprint, isFingerprint, unblockFingerprint } = await import("./tracking/bots.ts");
  const fingerprint = positionals[0];
  if (!fingerprint) throw new UsageError("empreinte manquante : engagement bots " + sub + " EMPREINTE");
  if (!isFingerprint(fingerprint)) throw new UsageError(`empreinte invalide : « ${fingerprint} »`);
  return withDatabase(config, async ({ db }) => {
    if (sub === "block") {
      const events = await blockFingerprint(db, fingerprint, values.reason ?? null);
      print({ ok: true, fingerprint, blocked: true, events });
    } else {
      const events = await unblockFingerprint(db, fingerprint);
      if (events === false) throw new UsageError(`cette empreinte n'est pas bloquée : ${fingerprint}`);
      print({ ok: true, fingerprint, blocked: false, events });
    }
  });
}

async function statsVerifyCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parse(args, { from: { type: "string" }, to: { type: "string" }, json: { type: "boolean" } });
  if (values.help) {
    console.log(HELP.stats);
    return 0;
  }
  const { parseDay } = await import("./stats/stats-period.ts");
  for (const name of ["from", "to"] as const) {
    const value = values[name];
    if (value !== undefined && !parseDay(String(value))) throw new UsageError(`--${name} : « ${value} » n'est pas une date AAAA-MM-JJ`);
  }
  const { verifyStats } = await import("./stats/stats-verify.ts");
  return withDatabase(config, async ({ db }) => {
    const result = await verifyStats(db, { from: values.from as string | undefined, to: values.to as string | undefined });
    if (values.json) print(result);
    else {
      const period = result.from || result.to ? `du ${result.from ?? "début"} au ${result.to ?? "dernier jour"}` : "tout l'historique";
      const lines = [`Statistiques vérifiées (${period}) : ${result.events} événements comptés.`];
      for (const t of result.tables) {
        lines.push(`  ${t.table.padEnd(22)} ${t.expectedGroups} groupes, ${t.differences === 0 ? "aucun écart" : `${t.differences} écart(s)`}`);
        for (const d of t.sample) lines.push(`    ${JSON.stringify(d)}`);
      }
      lines.push(result.ok ? "Aucun écart." : "Des écarts ont été trouvés.");
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    return result.ok ? 0 : 1;
  });
}

async function warningsCommand(config: Config, sub: string | undefined, args: string[]) {
  if (sub !== "run") throw unknownSubcommand("warnings", sub);
  const { values } = parse(args, { json: { type: "boolean" }, publisher: { type: "string" } });
  if (values.help) return console.log(HELP.warnings);
  const publisherId = values.publisher === undefined ? undefined : requireId(values.publisher, "--publisher");
  const { runWarningsJob } = await import("./warnings/warnings-job.ts");
  const { describeWarning } = await import("./warnings/warning-messages.ts");
  const { findPublisher } = await import("./publishers/publishers.ts");
  return withDatabase(config, async ({ db }) => {
    if (publisherId && !(await findPublisher(db, publisherId))) throw new UsageError(`partenaire introuvable : ${publisherId}`);
    // Waits for a run of the service (another process) rather than skipping it.
    const run = await runWarningsJob(db, undefined, new Date(), { wait: true, publisherIds: publisherId ? [publisherId] : undefined });
    const ids = [...new Set([...run.raised, ...run.updated, ...run.resolved].flatMap((w) => (w.publisherId ? [w.publisherId] : [])))];
    const names = new Map(
      ids.length ? (await db.selectFrom("publisher").select(["id", "name"]).where("id", "in", ids).execute()).map((p) => [p.id, p.name] as const) : [],
    );
    const items = (list: typeof run.raised) =>
      list.map((w) => ({
        id: w.id,
        type: w.type,
        publisherId: w.publisherId,
        publisherName: (w.publisherId && names.get(w.publisherId)) ?? null,
        subject: w.subject,
        occurrences: w.occurrences,
        ...describeWarning(w.type, w.details),
        details: w.details,
      }));
    const report = { raised: items(run.raised), updated: items(run.updated), resolved: items(run.resolved) };
    if (values.json) return print({ ok: true, ...report, durationMs: run.durationMs });
    const plural = (n: number, one: string, many: string) => `${n.toLocaleString("fr-FR")} ${n > 1 ? many : one}`;
    const lines = [
      `Vérification terminée : ${plural(report.raised.length, "nouvelle alerte", "nouvelles alertes")}, ${plural(report.updated.length, "mise à jour", "mises à jour")}, ${plural(report.resolved.length, "résolue", "résolues")}.`,
    ];
    for (const [label, list] of [["Nouvelles", report.raised], ["Mises à jour", report.updated], ["Résolues", report.resolved]] as const) {
      if (list.length === 0) continue;
      lines.push("", `${label} :`);
      for (const w of list) lines.push(`  ${w.type.padEnd(21)} ${w.publisherName ?? "?"} (${w.publisherId ?? "inconnu"}) — ${w.title} : ${w.message}`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  });
}

async function suspectsCommand(config: Config, args: string[]) {
  const { values } = parse(args, { json: { type: "boolean" } });
  if (values.help) return console.log(HELP.bots);
  const { runBotWatch } = await import("./tracking/bot-watch.ts");
  return withDatabase(config, async ({ db }) => {
    // Waits for a run of the service (another process) rather than skipping it.
    const run = await runBotWatch(db, undefined, new Date(), { wait: true });
    const suspects = run.live;
    if (values.json) {
      print({ ok: true, run: { raised: run.raised, updated: run.updated, resolved: run.resolved }, suspects });
      return;
    }
    process.stdout.write(`${suspectsTable(suspects, run)}\n`);
  });
}

function suspectsTable(
  suspects: import("./tracking/bot-watch.ts").LiveSuspect[],
  run: { raised: number; updated: number; resolved: number },
): string {
  const plural = (n: number, one: string, many: string) => `${n.toLocaleString("fr-FR")} ${n > 1 ? many : one}`;
  const summary = `Recherche terminée : ${plural(run.raised, "nouvelle alerte", "nouvelles alertes")}, ${plural(run.updated, "mise à jour", "mises à jour")}, ${plural(run.resolved, "close", "closes")}.`;
  if (suspects.length === 0) return `${summary}\nAucune empreinte suspecte.`;
  const when = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", dateStyle: "short", timeStyle: "short" });
  const rows = suspects.map((s) => [
    s.fingerprint,
    s.diffuseurName ? `${s.diffuseurName} (${s.diffuseurId})` : `${s.diffuseurId ?? "?"} (inconnu)`,
    s.clicks.toLocaleString("fr-FR"),
    s.lastClickAt ? when.format(new Date(s.lastClickAt)) : "",
  ]);
  const header = ["EMPREINTE", "DIFFUSEUR", "CLICS (24 H)", "DERNIER CLIC (PARIS)"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [
    summary,
    `${plural(suspects.length, "empreinte suspecte", "empreintes suspectes")} (non bloquées) :`,
    "",
    line(header),
    ...rows.map(line),
    "",
    "Pour bloquer une empreinte : engagement bots block EMPREINTE --reason \"…\"",
  ].join("\n");
}

/** A one-line progress bar on stderr, only on a terminal. */
function progressBar(label: string) {
  if (!process.stderr.isTTY) return { update: () => {}, done: () => {} };
  let shown = false;
  return {
    update: ({ bytes, totalBytes, missions }: { bytes: number; totalBytes: number | null; missions: number }) => {
      shown = true;
      const width = 30;
      const share = totalBytes ? Math.min(1, bytes / totalBytes) : null;
      const bar = share === null ? "" : `[${"#".repeat(Math.round(share * width)).padEnd(width, ".")}] ${Math.round(share * 100)} % `;
      const size = totalBytes ? `${formatBytes(bytes)} / ${formatBytes(totalBytes)}` : formatBytes(bytes);
      process.stderr.write(`\r${label} ${bar}${size} · ${missions.toLocaleString("fr-FR")} missions   `);
    },
    done: () => {
      if (shown) process.stderr.write("\n");
    },
  };
}

async function importCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parse(args, {
    publisher: { type: "string" },
    file: { type: "string" },
    url: { type: "string" },
    "dry-run": { type: "boolean" },
    "confirm-deletions": { type: "boolean" },
  });
  if (values.help) {
    console.log(HELP.import);
    return 0;
  }
  if (values.file && values.url) throw new UsageError("--file et --url ne vont pas ensemble : choisissez l'un des deux");
  if ((values.file || values.url) && !values.publisher) throw new UsageError("--file et --url demandent --publisher ID (le partenaire dont ce sont les missions)");
  const { checkFeedUrl } = await import("./feeds/network-guard.ts");
  if (values.url) {
    const checked = checkFeedUrl(values.url);
    if (!checked.ok) throw new UsageError(checked.message);
  }
  const { runImport } = await import("./feeds/import.ts");
  const { importAllFeeds } = await import("./feeds/schedule.ts");
  const { ImportBusyError } = await import("./feeds/history.ts");
  const { findPublisher } = await import("./publishers/publishers.ts");
  return withDatabase(config, async ({ db }) => {
    const deps = { db, feeds: config.feeds };
    const common = { trigger: "cli" as const, dryRun: values["dry-run"] ?? false, confirmDeletions: values["confirm-deletions"] ?? false };
    if (!values.publisher) {
      const bar = progressBar("import");
      const outcomes = await importAllFeeds(deps, { ...common, onProgress: bar.update });
      bar.done();
      print({ imports: outcomes.map((o) => ({ publisherId: o.publisherId, ...(o.report ? summary(o.report) : {}), skipped: o.skipped, error: o.error })) });
      return outcomes.some((o) => o.error || o.report?.status === "FAILED") ? 1 : 0;
    }
    const id = requireId(values.publisher, "--publisher");
    const publisher = await findPublisher(db, id);
    if (!publisher) throw new UsageError(`partenaire introuvable : ${id}`);
    if (!publisher.is_annonceur) throw new UsageError(`le partenaire ${id} n'est pas annonceur : il n'a pas de missions à importer`);
    const source = values.file
      ? { kind: "file" as const, path: values.file }
      : values.url
        ? { kind: "url" as const, url: values.url }
        : { kind: "feed" as const };
    if (source.kind === "feed" && !publisher.feed_url) throw new UsageError(`le partenaire ${id} n'a pas de flux configuré : donnez --file ou --url`);
    const bar = progressBar(publisher.name);
    try {
      const report = await runImport(deps, publisher, { ...common, source, onProgress: bar.update });
      bar.done();
      print({ ...summary(report), ...(report.problems ? { problems: report.problems, problemTotal: report.problemTotal } : {}) });
      return report.status === "FAILED" ? 1 : 0;
    } catch (err) {
      bar.done();
      if (err instanceof ImportBusyError) throw new UsageError(err.message);
      throw err;
    }
  });
}

function summary(report: import("./feeds/import.ts").ImportReport) {
  const { problems: _problems, problemTotal: _total, ...rest } = report;
  return rest;
}

async function printWelcome(url: string, config: Config) {
  const { readDemoKeys } = await import("./demo/load.ts");
  const keys = readDemoKeys(config.dataDir);
  const lines = [
    "",
    `API Engagement écoute sur ${url}`,
    `  Documentation : ${url}/docs   Santé : ${url}/health`,
  ];
  if (keys.length) {
    lines.push("", "Partenaires de démonstration (clés API) :");
    for (const k of keys) lines.push(`  ${k.name.padEnd(40)} ${k.roles.padEnd(22)} ${k.apiKey}`);
    const annonceur = keys.find((k) => k.roles.includes("annonceur"));
    if (annonceur) {
      lines.push("", "Essayez :", `  curl -H "x-api-key: ${annonceur.apiKey}" "${url}/v0/mymission?limit=2"`);
    }
    const widget = keys.find((k) => k.widgetId);
    if (widget) lines.push("", `Widget de ${widget.name} : ${url}/w/${widget.widgetId}`);
  }
  lines.push("");
  process.stdout.write(`${lines.join("\n")}\n`);
}

type SystemError = NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };

const HOST_EXAMPLE = "par exemple HOST=127.0.0.1 (cette machine seulement) ou HOST=0.0.0.0 (toutes les interfaces)";

/** The failures of listening on HOST:PORT, or undefined for any other error. */
function explainListen(err: SystemError, config: Config): string | undefined {
  const { host, port } = config;
  const listening = err.syscall === "listen" || err.syscall === "bind";
  switch (err.code) {
    case "EADDRINUSE":
      return listening ? `le port ${err.port ?? port} est déjà utilisé sur ${host} : arrêtez l'autre service ou choisissez un autre PORT` : undefined;
    case "EADDRNOTAVAIL":
      return listening ? `HOST=${host} n'est pas une adresse de cette machine, le service ne peut pas y écouter : ${HOST_EXAMPLE}` : undefined;
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NONAME":
      return err.syscall === "getaddrinfo" && (err.hostname === undefined || err.hostname === host)
        ? `HOST=${host} : nom d'hôte introuvable, le service ne peut pas y écouter : ${HOST_EXAMPLE}`
        : undefined;
    case "EACCES":
    case "EPERM":
      if (!listening) return undefined;
      return port > 0 && port < 1024
        ? `le port ${port} est réservé à l'administrateur : choisissez un PORT à partir de 1024, par exemple PORT=3000`
        : `écoute refusée sur ${host}:${port} : vérifiez HOST et PORT`;
    default:
      return undefined;
  }
}

/** The failures of the file system under DATA_DIR, or undefined. */
function explainDataDir(err: SystemError, config: Config): string | undefined {
  if (!err.path || !err.syscall) return undefined;
  const dir = config.dataDir;
  const failed = path.resolve(err.path);
  // The directory itself, a file in it, or a parent that `mkdir -p` could not create.
  if (!(failed === dir || failed.startsWith(dir + path.sep) || dir.startsWith(failed + path.sep))) return undefined;
  const advice = "choisissez un autre chemin, par exemple DATA_DIR=./data";
  switch (err.code) {
    case "EEXIST":
    case "ENOTDIR":
      return `DATA_DIR doit être un dossier, or un fichier occupe le chemin « ${err.path} » : ${advice}`;
    case "EACCES":
    case "EPERM":
      return `DATA_DIR n'est pas accessible en écriture (« ${err.path} ») : corrigez ses droits ou ${advice}`;
    case "EROFS":
      return `DATA_DIR est sur un système de fichiers en lecture seule (« ${dir} ») : ${advice}`;
    case "ENOSPC":
      return `plus de place sur le disque de DATA_DIR (« ${dir} ») : libérez de la place ou ${advice}`;
    default:
      return undefined;
  }
}

/** One French line for the failures an operator can fix. */
function explain(err: SystemError, config: Config | undefined): string {
  const dataDirProblem = config && explainDataDir(err, config);
  if (dataDirProblem) return dataDirProblem;
  switch (err.code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "ETIMEDOUT":
    case "EHOSTUNREACH": {
      const where = err.address ? `${err.address}${err.port ? `:${err.port}` : ""}` : err.hostname;
      const detail = where ? ` (${where})` : "";
      if (config && !config.databaseUrl) return `base de données embarquée injoignable${detail} : vérifiez DATA_DIR (« ${config.dataDir} »)`;
      return `base de données injoignable${detail} : vérifiez DATABASE_URL et que le serveur PostgreSQL tourne`;
    }
    case "28P01":
    case "28000":
      return "authentification refusée par PostgreSQL : vérifiez l'utilisateur et le mot de passe de DATABASE_URL";
    case "3D000":
      return `${err.message} : créez-la ou corrigez DATABASE_URL`;
    case "EACCES":
    case "EPERM":
      return err.path ? `accès refusé à « ${err.path} » : vérifiez ses droits` : `accès refusé : ${err.message}`;
    default:
      return err.message;
  }
}

/** Errors are one line on stderr, whatever the message holds. */
const writeError = (text: string) => process.stderr.write(`${text.replace(/\s*[\r\n]+\s*/g, " ").trim()}\n`);

async function closeQuietly(database: DatabaseHandle): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    database.close().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 3000);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Known once loaded, for the messages of the errors that follow.
  let loaded: Config | undefined;
  try {
    if (!command || command === "--help" || command === "-h" || command === "help") {
      console.log(HELP.main);
      return command ? 0 : 2;
    }
    if (!COMMANDS.includes(command)) {
      throw new UsageError(`commande inconnue : ${command}${didYouMean(command, COMMANDS)} (engagement --help pour la liste)`);
    }
    const config = loadConfig();
    loaded = config;
    switch (command) {
      case "serve":
      case "start": {
        const { values } = parse(rest, {});
        if (values.help) {
          console.log(HELP[command]);
          return 0;
        }
        const { openAndMigrate, startServer, stopOnSignals } = await import("./server.ts");
        const { loadDemo } = await import("./demo/load.ts");
        const database = await openAndMigrate(config);
        if (command === "start") {
          const result = await loadDemo(database.db, config.dataDir, { onlyIfEmpty: true });
          if (result.loaded) console.log(`Données de démonstration chargées : ${result.missions} missions, ${result.publishers} partenaires.`);
        }
        let server: Awaited<ReturnType<typeof startServer>>;
        try {
          server = await startServer(config, database);
        } catch (err) {
          const problem = explainListen(err as SystemError, config);
          if (!problem) throw err;
          await closeQuietly(database);
          throw new OperatorError(problem);
        }
        stopOnSignals(server);
        if (command === "start") await printWelcome(server.url, config);
        return -1; // keep running
      }
      case "migrate": {
        const { values } = parse(rest, {});
        if (values.help) {
          console.log(HELP.migrate);
          return 0;
        }
        const { openDatabase } = await import("./db/connection.ts");
        const { migrate } = await import("./db/migrate.ts");
        const database = await openDatabase(config, { maxConnections: 2 });
        try {
          print({ applied: await migrate(database.pool) });
        } finally {
          await database.close();
        }
        return 0;
      }
      case "publisher":
        if (rest[0] === "--help" || rest[0] === "-h" || rest.length === 0) {
          console.log(["publisher create", "publisher key", "publisher list"].map((k) => HELP[k]).join("\n\n"));
          return rest.length === 0 ? 2 : 0;
        }
        await publisherCommand(config, rest[0], rest.slice(1));
        return 0;
      case "diffusion":
        if (rest[0] === "--help" || rest[0] === "-h" || rest.length === 0) {
          console.log([HELP["diffusion add"], HELP["diffusion remove"]].join("\n\n"));
          return rest.length === 0 ? 2 : 0;
        }
        await diffusionCommand(config, rest[0], rest.slice(1));
        return 0;
      case "import":
        return await importCommand(config, rest);
      case "bots":
        if (rest[0] === "--help" || rest[0] === "-h" || rest.length === 0) {
          console.log(HELP.bots);
          return rest.length === 0 ? 2 : 0;
        }
        await botsCommand(config, rest[0], rest.slice(1));
        return 0;
      case "stats":
        if (rest[0] === "--help" || rest[0] === "-h" || rest.length === 0) {
          console.log(HELP.stats);
          return rest.length === 0 ? 2 : 0;
        }
        if (rest[0] !== "verify") throw unknownSubcommand("stats", rest[0]);
        return await statsVerifyCommand(config, rest.slice(1));
      case "warnings":
        if (rest[0] === "--help" || rest[0] === "-h" || rest.length === 0) {
          console.log(HELP.warnings);
          return rest.length === 0 ? 2 : 0;
        }
        await warningsCommand(config, rest[0], rest.slice(1));
        return 0;
      case "demo": {
        const { values } = parse(rest, { missions: { type: "string" } });
        if (values.help) {
          console.log(HELP.demo);
          return 0;
        }
        const count = values.missions === undefined ? undefined : Number(values.missions);
        if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > 1_000_000)) {
          throw new UsageError("--missions doit être un entier entre 1 et 1000000");
        }
        const { loadDemo } = await import("./demo/load.ts");
        await withDatabase(config, async ({ db }) => {
          const result = await loadDemo(db, config.dataDir, { onlyIfEmpty: false, missionCount: count });
          print(result);
        });
        return 0;
      }
      default:
        throw new UsageError(`commande inconnue : ${command} (engagement --help pour la liste)`);
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      writeError(err.summary);
      return 2;
    }
    if (err instanceof UsageError) {
      writeError(`Erreur : ${err.message}${err.showHelp ? ` — voir ${helpCommand(argv)}` : ""}`);
      return 2;
    }
    if (err instanceof OperatorError) {
      writeError(`Erreur : ${err.message}`);
      return 1;
    }
    writeError(`Erreur : ${explain(err as SystemError, loaded)}`);
    return 1;
  }
}
