import { statSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { collectDefaultMetrics, Registry } from "prom-client";
import { z } from "zod";
import {
  type AutomationEngine,
  type AutomationLogEntry,
  formatLoadError,
  runAutomations,
} from "../../automations/index.js";
import { parseInput, ValidationError } from "../../core/index.js";
import { BUILT_IN_RULES, type BuiltInRuleName, notifyOnOutcomes } from "../../notifications/index.js";
import { createProgress } from "../../progress/index.js";
import {
  DEFAULT_BASE_PATH,
  DEFAULT_NOTIFICATIONS_PATH,
  DEFAULT_PORT,
  DEFAULT_WEBHOOKS_PATH,
  startDemo,
  startServer,
  tuneProcessForServing,
} from "../../server/index.js";
import { DEFAULT_DATABASE_PATH, sqlitePathOf } from "../../store/index.js";
import { createMcpHttpHandler } from "../../tools/index.js";
import { databaseUrlOption, durationOption, ownerOption } from "../defaults.js";

const USAGE = `Usage: headway serve [options]

Serves the runs API, the live stream, the MCP endpoint, metrics and the
dashboard, and prints a dashboard URL carrying a fresh token. Opening it
signs the browser in with a session cookie that outlives restarts; the token
itself stays valid while this server runs and for an hour after.

Options:
  --port N          port to listen on; 0 picks a free one (default ${DEFAULT_PORT})
  --host HOST       address to bind (default 127.0.0.1: this machine only)
  --database URL    SQLite file path, sqlite: URL or postgres:// URL (default $HEADWAY_DATABASE_URL, else ${DEFAULT_DATABASE_PATH})
  --base-path PATH  where the runs API lives (default ${DEFAULT_BASE_PATH})
  --owner OWNER     whose runs the printed URL shows (default <your user name>@localhost)
  --cors-origin URL allow browser pages on this origin to call the API (repeatable)
  --stale-after D   a running run silent this long is flagged stale (default 2m; D is a number and s, m, h or d)
  --abandon-after D ... and this long, completed as failed, abandoned (default 30m)
  --rules LIST      built-in notification rules to run, comma-separated, or none
                    (default ${BUILT_IN_RULES.join(",")}); a file <rule>.md in the
                    automations folder replaces that rule
  --automations DIR the folder of automation files (*.md), reloaded when they change,
                    or none (default ./automations when it exists)
  --no-webhooks     do not deliver webhooks from this process (another one does); the API stays
  --demo            start a simulated agent that keeps a few runs moving for that owner
  -h, --help        show this help`;

const portSchema = z.coerce
  .number({ error: "must be a whole number from 0 to 65535" })
  .int({ error: "must be a whole number from 0 to 65535" })
  .min(0, { error: "must be a whole number from 0 to 65535" })
  .max(65_535, { error: "must be a whole number from 0 to 65535" });

/** How long the printed token outlives the server; renewed every tenth of it while the server runs. */
const DASHBOARD_TOKEN_LEASE_MS = 60 * 60 * 1000;

export async function run(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    console.error(`headway serve: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let port: number;
  let owner: string;
  let watchdog: { staleAfterMs?: number; abandonAfterMs?: number };
  let rules: BuiltInRuleName[];
  let automationsDir: string | null;
  try {
    rules = rulesOption(values.rules);
    automationsDir = automationsOption(values.automations);
    port = parseInput(portSchema, values.port ?? String(DEFAULT_PORT), "--port");
    owner = ownerOption(values.owner);
    watchdog = {
      staleAfterMs: durationOption("--stale-after", values["stale-after"]),
      abandonAfterMs: durationOption("--abandon-after", values["abandon-after"], "30m"),
    };
  } catch (error) {
    console.error(`headway serve: ${(error as Error).message}`);
    return 2;
  }
  const databaseUrl = databaseUrlOption(values.database);
  const host = values.host ?? "127.0.0.1";
  // Before the first run record is allocated: this process is the whole server.
  tuneProcessForServing();

  // Other processes (the CLI, workers) write to the same file: follow them so the stream shows their runs too.
  // A long-lived server commits on a writer thread, so one batch's fsync overlaps the next batch's planning.
  // The watchdog flags silent runs and fails abandoned ones, with nobody watching.
  const progress = createProgress({
    databaseUrl,
    followExternalWrites: true,
    storeOptions: { writerThread: true },
    watchdog,
  });
  const tokens = progress.backend.tokens;
  try {
    // A backend that opens asynchronously (PostgreSQL) says here whether it can be used (reachable, schema not too new).
    await progress.backend.ready;
  } catch (error) {
    await progress.close();
    console.error(`headway serve: cannot open the database: ${(error as Error).message}`);
    return 1;
  }
  // The process's own figures (memory, CPU, event-loop lag) beside Headway's: this process is the whole server.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      progress,
      port,
      host,
      basePath: values["base-path"],
      corsOrigins: values["cors-origin"] ?? [],
      mcp: createMcpHttpHandler(progress),
      registry,
      webhookDelivery: !values["no-webhooks"],
    });
  } catch (error) {
    await progress.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      console.error(`headway serve: port ${port} on ${host} is in use; pick another with --port (0 picks a free one)`);
      return 1;
    }
    if (error instanceof ValidationError) {
      console.error(`headway serve: ${error.message.replace(/^corsOrigins\.\d+/, "--cors-origin")}`);
      return 2;
    }
    throw error;
  }
  // Like Jupyter: a token for this server's life. It is a lease, renewed while the server runs and left to
  // lapse an hour after it stops (cleanly or killed); browsers that used it keep their own sessions.
  const { token, record } = await tokens.create({
    owner,
    scope: "read",
    label: "headway serve dashboard",
    ttlMs: DASHBOARD_TOKEN_LEASE_MS,
  });
  const renewal = setInterval(() => {
    tokens.renew(record.id, DASHBOARD_TOKEN_LEASE_MS).catch((error: unknown) => console.error("headway serve:", error));
  }, DASHBOARD_TOKEN_LEASE_MS / 10);
  renewal.unref();
  // Automation files: loaded now, reloaded on change; lines about them go to stderr once the banner is out.
  let started = false;
  const automations = automationsDir
    ? await runAutomations(progress, {
        dir: automationsDir,
        onLog: (entry) => {
          if (started) console.error(`headway serve: automations: ${formatLogEntry(entry)}`);
        },
      })
    : undefined;
  // People hear when a run fails, is abandoned or waits for them, whether or not a page is open,
  // unless an automation file named like the rule replaces it.
  const outcomes =
    rules.length > 0
      ? notifyOnOutcomes(progress, { rules: () => rules.filter((name) => !automations?.overrides(name)) })
      : undefined;
  const demo = values.demo ? startDemo(progress, { owner }) : undefined;
  const base = values["base-path"] ?? DEFAULT_BASE_PATH;
  const path = sqlitePathOf(databaseUrl);

  console.log(`Headway is serving on ${server.url}

  Dashboard   ${server.url}/?token=${token}
  Runs API    ${server.url}${base}   (Authorization: Bearer <token>)
  Live stream ${server.url}${base}/stream
  Notifications ${server.url}${DEFAULT_NOTIFICATIONS_PATH}   (rules: ${rules.length > 0 ? rules.join(", ") : "none"})
  Webhooks    ${server.url}${DEFAULT_WEBHOOKS_PATH}   (${server.webhooks ? "delivering from this process" : "not delivered by this process"}; also \`headway webhooks\`)
  MCP         ${server.url}/mcp   (manage-progress; needs an agent-scope token)
  Metrics     ${server.url}/metrics
  Database    ${path ? resolve(path) : databaseUrl.replace(/\/\/[^@/]*@/, "//…@")}
  Owner       ${owner}${demo ? "   (demo agent running)" : ""}
  Automations ${automationsLine(automationsDir, automations)}

Press Ctrl-C to stop.`);
  for (const error of automations?.errors() ?? []) console.error(`headway serve: ${formatLoadError(error)}`);
  started = true;

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`headway serve: ${signal} again, exiting now`);
        process.exit(130);
      }
      stopping = true;
      console.error(`\nheadway serve: ${signal}: shutting down…`);
      try {
        await demo?.stop();
        clearInterval(renewal);
        await server.close();
        await automations?.close();
        await outcomes?.close();
        await progress.close();
        done(0);
      } catch (error) {
        console.error("headway serve: shutdown failed:", error);
        done(1);
      }
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      database: { type: "string" },
      "base-path": { type: "string" },
      "cors-origin": { type: "string", multiple: true },
      owner: { type: "string" },
      demo: { type: "boolean" },
      "no-webhooks": { type: "boolean" },
      "stale-after": { type: "string" },
      "abandon-after": { type: "string" },
      rules: { type: "string" },
      automations: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function rulesOption(value: string | undefined): BuiltInRuleName[] {
  if (value === undefined) return [...BUILT_IN_RULES];
  if (value.trim() === "none") return [];
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(BUILT_IN_RULES as readonly string[]).includes(name)) {
      throw new ValidationError(
        "--rules",
        `"${name}" is not a built-in rule (known: ${BUILT_IN_RULES.join(", ")}, or none)`,
      );
    }
  }
  return names as BuiltInRuleName[];
}

/** `--automations`: a folder that exists, `none`, or (absent) ./automations when there is one. */
function automationsOption(value: string | undefined): string | null {
  if (value?.trim() === "none") return null;
  const dir = value ?? "automations";
  let isFolder = false;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    // missing: said below, or simply no automations by default
  }
  if (isFolder) return dir;
  if (value === undefined) return null;
  throw new ValidationError("--automations", `"${value}" is not a folder (give a folder of *.md files, or none)`);
}

function automationsLine(dir: string | null, engine: AutomationEngine | undefined): string {
  if (!dir || !engine) return "off (no ./automations folder; --automations DIR to use one)";
  const shown = relative(process.cwd(), resolve(dir)) || ".";
  const names = engine.automations().map((a) => (a.enabled ? a.id : `${a.id} (disabled)`));
  const broken =
    engine.errors().length > 0
      ? `; ${new Set(engine.errors().map((e) => e.file)).size} file(s) with errors, below`
      : "";
  // headway serve has no model option: an agentic automation delivers its body as written, and logs so.
  const agentic = engine.automations().some((a) => a.enabled && a.mode === "agentic")
    ? " (no model: agentic ones send their body as written)"
    : "";
  return `${shown}: ${names.length > 0 ? names.join(", ") : "none loaded"}${agentic}${broken}`;
}

function formatLogEntry(entry: AutomationLogEntry): string {
  const about = [entry.automation, entry.runId && `run ${entry.runId}`].filter(Boolean).join(", ");
  return `${about ? `${about}: ` : ""}${entry.message}`;
}
