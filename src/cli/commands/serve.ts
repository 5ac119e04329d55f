import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { collectDefaultMetrics, Registry } from "prom-client";
import { z } from "zod";
import { parseInput, ValidationError } from "../../core/index.js";
import { createProgress } from "../../progress/index.js";
import { DEFAULT_BASE_PATH, DEFAULT_PORT, DEFAULT_WEBHOOKS_PATH, startDemo, startServer } from "../../server/index.js";
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
  try {
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
  const demo = values.demo ? startDemo(progress, { owner }) : undefined;
  const base = values["base-path"] ?? DEFAULT_BASE_PATH;
  const path = sqlitePathOf(databaseUrl);

  console.log(`Headway is serving on ${server.url}

  Dashboard   ${server.url}/?token=${token}
  Runs API    ${server.url}${base}   (Authorization: Bearer <token>)
  Live stream ${server.url}${base}/stream
  Webhooks    ${server.url}${DEFAULT_WEBHOOKS_PATH}   (${server.webhooks ? "delivering from this process" : "not delivered by this process"}; also \`headway webhooks\`)
  MCP         ${server.url}/mcp   (manage-progress; needs an agent-scope token)
  Metrics     ${server.url}/metrics
  Database    ${path ? resolve(path) : databaseUrl.replace(/\/\/[^@/]*@/, "//…@")}
  Owner       ${owner}${demo ? "   (demo agent running)" : ""}

Press Ctrl-C to stop.`);

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
      help: { type: "boolean", short: "h" },
    },
  });
}
