import { parseArgs } from "node:util";
import { createProgress } from "../../progress/index.js";
import { DEFAULT_DATABASE_PATH } from "../../store/index.js";
import { callRemoteManageProgress, executeManageProgress, RemoteCallError, type ToolReply } from "../../tools/index.js";
import { databaseUrlOption, ownerOption } from "../defaults.js";

const USAGE = `Usage: headway manage-progress --action=start|update|complete|list|notify [options]

The agent tool from a shell script:
  headway manage-progress --action=start --title "Nightly import" --json     # prints the run, with its id
  headway manage-progress --action=update --run-id ID --percent 45 --step "Importing 450/1000"
  headway manage-progress --action=complete --run-id ID --status succeeded
  headway manage-progress --action=list

Options:
  --run-id ID          the run to update or complete
  --title TEXT         for start, and notify
  --body TEXT          for notify: the message
  --severity S         for notify: info | warning | critical
  --step TEXT          what is happening now
  --percent N          0..100, written in decimal (45, 12.5; a value outside is clamped)
  --status S           for complete: succeeded | failed | cancelled
  --state S            fine-grained state (tool_running, action_required, ...)
  --parent-run-id ID   for start: the run this one is part of
  --metadata JSON      a small JSON object stored with the run
  --active             for list: only runs still going (default: recent runs, finished ones too)
  --limit N            for list: at most N runs (default 50)
  --json               print the structured result
Where runs are written:
  --database URL       local SQLite file (default $HEADWAY_DATABASE_URL, else ${DEFAULT_DATABASE_PATH})
  --owner OWNER        local owner (default $HEADWAY_OWNER, else $USER@localhost)
  --server URL --token T   a running \`headway serve\` (through its /mcp endpoint; an agent-scope token, or $HEADWAY_TOKEN)
Exit codes: 0 done, 1 the tool refused (not found, already finished), 2 bad options.`;

/** Options whose value is a number; `--percent -5` passes -5 as the value, not as an unknown option. */
const NUMERIC_OPTIONS = new Set(["--percent", "--limit"]);

/** Joins `--percent -5` into `--percent=-5`, which parseArgs would otherwise refuse as ambiguous. */
function joinNegativeNumbers(argv: string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    const next = argv[index + 1];
    if (arg === "--") {
      joined.push(...argv.slice(index));
      break;
    }
    if (NUMERIC_OPTIONS.has(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      index++;
    } else joined.push(arg);
  }
  return joined;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * A number written in plain decimal. `Number()` alone would take "0x10",
 * "0b101", "1e2", "Infinity" and " 7 "; a person typing those at a shell
 * meant something else, so they are refused.
 */
function decimalOption(name: string, text: string, what: string): number {
  if (!DECIMAL.test(text)) {
    throw new UsageError(`--${name}: must be ${what} written in decimal digits (like 45 or 12.5), got "${text}"`);
  }
  return Number(text);
}

function parse(argv: string[]) {
  return parseArgs({
    args: joinNegativeNumbers(argv),
    options: {
      action: { type: "string" },
      "run-id": { type: "string" },
      title: { type: "string" },
      body: { type: "string" },
      severity: { type: "string" },
      step: { type: "string" },
      percent: { type: "string" },
      status: { type: "string" },
      state: { type: "string" },
      "parent-run-id": { type: "string" },
      metadata: { type: "string" },
      active: { type: "boolean" },
      limit: { type: "string" },
      json: { type: "boolean" },
      database: { type: "string" },
      owner: { type: "string" },
      server: { type: "string" },
      token: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
}

/** Bad options: exit code 2, with a message naming the option. */
export class UsageError extends Error {}

/** Tool arguments from options; only syntax is checked here, the tool checks the rest and names the field. */
function toolArgs(values: ReturnType<typeof parse>): Record<string, unknown> {
  const args: Record<string, unknown> = { action: values.action };
  if (values["run-id"] !== undefined) args.runId = values["run-id"];
  if (values.title !== undefined) args.title = values.title;
  if (values.body !== undefined) args.body = values.body;
  if (values.severity !== undefined) args.severity = values.severity;
  if (values.step !== undefined) args.step = values.step;
  if (values.status !== undefined) args.status = values.status;
  if (values.state !== undefined) args.state = values.state;
  if (values["parent-run-id"] !== undefined) args.parentRunId = values["parent-run-id"];
  if (values.percent !== undefined) {
    args.percent = decimalOption("percent", values.percent, "a number from 0 to 100");
  }
  if (values.limit !== undefined) {
    const limit = decimalOption("limit", values.limit, "a whole number");
    if (!Number.isInteger(limit)) throw new UsageError(`--limit: must be a whole number, got "${values.limit}"`);
    args.limit = limit;
  }
  if (values.metadata !== undefined) {
    try {
      args.metadata = JSON.parse(values.metadata);
    } catch {
      throw new UsageError("--metadata: must be a JSON object, e.g. '{\"batch\": 3}'");
    }
  }
  // A person at a shell wants to see what just finished too; the tool's own default (active only) suits agents.
  if (values.action === "list") args.active = values.active === true;
  return args;
}

/** The tool arguments a command line asks for; throws UsageError naming a malformed option. For tests and scripts. */
export function toolArgsFromArgv(argv: string[]): Record<string, unknown> {
  return toolArgs(parse(argv));
}

async function locally(values: ReturnType<typeof parse>, args: Record<string, unknown>): Promise<ToolReply> {
  const owner = ownerOption(values.owner);
  const databaseUrl = databaseUrlOption(values.database);
  const progress = createProgress({ databaseUrl, sweepIntervalMs: 0 });
  try {
    return await executeManageProgress(progress, owner, args);
  } finally {
    await progress.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>;
  let args: Record<string, unknown>;
  try {
    values = parse(argv);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.action) throw new UsageError("--action: required (start, update, complete, list or notify)");
    args = toolArgs(values);
  } catch (error) {
    const hint = error instanceof UsageError ? 'Run "headway manage-progress --help" for the options.' : USAGE;
    console.error(`headway manage-progress: ${(error as Error).message}\n${hint}`);
    return 2;
  }
  const token = values.token ?? process.env.HEADWAY_TOKEN;
  if (values.server && !token) {
    console.error("headway manage-progress: --token: required with --server (or set HEADWAY_TOKEN)");
    return 2;
  }
  let reply: ToolReply;
  try {
    reply =
      values.server && token ? await callRemoteManageProgress(values.server, token, args) : await locally(values, args);
  } catch (error) {
    const prefix = error instanceof RemoteCallError ? "--" : "";
    console.error(`headway manage-progress: ${prefix}${(error as Error).message}`);
    return 2;
  }
  if (values.json) console.log(JSON.stringify(reply.structured, null, 2));
  else (reply.isError ? console.error : console.log)(reply.text);
  if (!reply.isError) return 0;
  return reply.structured?.error?.code === "invalid_argument" || reply.structured?.error?.code === "validation_error"
    ? 2
    : 1;
}
