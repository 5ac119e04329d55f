import { parseArgs } from "node:util";
import { createHeadwayClient } from "../../client/index.js";
import type { AgentRun, HeadwayEvent } from "../../core/index.js";
import { createProgress } from "../../progress/index.js";
import { DEFAULT_DATABASE_PATH } from "../../store/index.js";
import { databaseUrlOption, ownerOption } from "../defaults.js";
import { plainLine } from "../terminal/format.js";
import { barBoard, lineBoard, type RunBoard } from "../terminal/run-board.js";

const USAGE = `Usage: headway watch [--database URL | --server URL --token T] [--owner OWNER] [--once]

A live view of your active runs: one bar per run with percent, step, elapsed
time and ETA, redrawn in place on a terminal; one line per change when the
output is a pipe or a file.

Options:
  --database URL   SQLite file path or sqlite: URL (default $HEADWAY_DATABASE_URL, else ${DEFAULT_DATABASE_PATH})
  --owner OWNER    whose runs (default $HEADWAY_OWNER, else $USER@localhost; with --server the token decides)
  --server URL     watch a running \`headway serve\` instead (with --token or $HEADWAY_TOKEN)
  --once           print the active runs once and exit`;

const OPTIONS = {
  database: { type: "string" },
  owner: { type: "string" },
  server: { type: "string" },
  token: { type: "string" },
  once: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Where runs come from: a snapshot of active runs, then every change, until stopped. */
interface Feed {
  snapshot(): Promise<AgentRun[]>;
  follow(onEvent: (event: HeadwayEvent) => void, onSnapshot: (runs: AgentRun[]) => void): () => void;
  close(): Promise<void>;
}

function localFeed(databaseUrl: string, owner: string): Feed {
  const progress = createProgress({ databaseUrl, followExternalWrites: true, sweepIntervalMs: 0 });
  return {
    snapshot: () => progress.listRuns(owner, { activeOnly: true, limit: 500 }),
    follow: (onEvent) => progress.subscribe(onEvent, { owner }),
    close: () => progress.close(),
  };
}

function serverFeed(baseUrl: string, token: string): Feed {
  const client = createHeadwayClient({ baseUrl, token });
  return {
    snapshot: async () => (await client.list({ active: true, limit: 500 })).runs,
    follow(onEvent, onSnapshot) {
      const subscription = client.subscribe((update) =>
        update.kind === "snapshot" ? onSnapshot(update.runs) : onEvent(update.event),
      );
      return () => subscription.close();
    },
    close: async () => {},
  };
}

export async function run(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];
  try {
    values = parseArgs({ args: argv, options: OPTIONS }).values;
  } catch (error) {
    console.error(`headway watch: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const token = values.token ?? process.env.HEADWAY_TOKEN;
  let feed: Feed;
  try {
    if (values.server) {
      if (!token) throw new Error("--token: required with --server (or set HEADWAY_TOKEN)");
      feed = serverFeed(values.server, token);
    } else {
      const owner = ownerOption(values.owner);
      feed = localFeed(databaseUrlOption(values.database), owner);
    }
  } catch (error) {
    console.error(`headway watch: ${(error as Error).message}`);
    return 2;
  }
  try {
    if (values.once) {
      const runs = await feed.snapshot();
      console.log(runs.length ? runs.map((item) => plainLine(item, Date.now())).join("\n") : "No active runs.");
      return 0;
    }
    return await watchLive(feed);
  } catch (error) {
    console.error(`headway watch: ${describe(error, values.server)}`);
    return 1;
  } finally {
    await feed.close();
  }
}

async function watchLive(feed: Feed): Promise<number> {
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  // A reader that goes away (`headway watch | head`) ends the watch quietly instead of crashing on EPIPE.
  const onOutputError = () => finish();
  process.stdout.on("error", onOutputError);
  const board: RunBoard = process.stdout.isTTY ? barBoard(process.stdout) : lineBoard(process.stdout);
  const seen = new Set<string>();
  const showAll = (runs: AgentRun[]) => {
    for (const item of runs) {
      seen.add(item.id);
      board.show(item);
    }
  };
  // A fresh snapshot (after a reconnect the server could not resume) is the whole truth: runs missing from it are gone.
  const replaceAll = (runs: AgentRun[]) => {
    const current = new Set(runs.map((item) => item.id));
    for (const id of seen) if (!current.has(id)) board.remove(id);
    showAll(runs);
  };
  const stop = feed.follow((event) => {
    if (event.type === "run.deleted") board.remove(event.payload.runId);
    else if (event.run && (event.run.status === "running" || seen.has(event.run.id))) showAll([event.run]);
  }, replaceAll);
  showAll(await feed.snapshot());
  if (!process.stdout.isTTY) console.log("Watching for changes (Ctrl-C to stop)…");
  // Signal listeners do not hold the event loop open; this does, until Ctrl-C.
  const keepAlive = setInterval(() => {}, 60_000);
  process.once("SIGINT", finish);
  process.once("SIGTERM", finish);
  await finished;
  process.off("SIGINT", finish);
  process.off("SIGTERM", finish);
  clearInterval(keepAlive);
  stop();
  board.stop();
  return 0;
}

/** fetch hides why it failed ("fetch failed") in `cause`; the reason is what a user can act on. */
function describe(error: unknown, server: string | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
  if (server && error instanceof TypeError && cause) return `cannot reach ${server}: ${cause}`;
  return cause ? `${message}: ${cause}` : message;
}
