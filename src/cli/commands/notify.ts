import { parseArgs } from "node:util";
import { createProgress } from "../../progress/index.js";
import { DEFAULT_DATABASE_PATH } from "../../store/index.js";
import { callRemoteManageProgress, executeManageProgress, RemoteCallError, type ToolReply } from "../../tools/index.js";
import { databaseUrlOption, ownerOption } from "../defaults.js";

const USAGE = `Usage: headway notify --title TEXT [--body TEXT] [--severity info|warning|critical] [--run-id ID]
       headway notify --list [--unread] [--limit N]

Tells a person something they should see even if they are not watching: it
lands in the dashboard's bell (and a toast), on the live stream as
notification.created, and on their webhooks.
  headway exec -- ./nightly-import.sh && headway notify --title "Import done" --body "1,204 rows"
  headway notify --title "Import failed" --severity critical --run-id "$RUN_ID"

Options:
  --title TEXT       the headline (at most 200 characters)
  --body TEXT        the message (at most 2000 characters)
  --severity S       info (default), warning or critical
  --run-id ID        the run it is about (one of the owner's)
  --list             list the owner's notifications instead, newest first
  --unread           with --list: only unread ones
  --limit N          with --list: at most N (default 20)
  --json             print the structured result
Where:
  --database URL     local SQLite file (default $HEADWAY_DATABASE_URL, else ${DEFAULT_DATABASE_PATH})
  --owner OWNER      whom to notify (default $HEADWAY_OWNER, else $USER@localhost)
  --server URL --token T   a running \`headway serve\` (sending goes through /mcp with an agent-scope token;
                     listing through the notifications API with any token; or $HEADWAY_TOKEN)
Exit codes: 0 done, 1 refused (e.g. no such run), 2 bad options.`;

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      title: { type: "string" },
      body: { type: "string" },
      severity: { type: "string" },
      "run-id": { type: "string" },
      list: { type: "boolean" },
      unread: { type: "boolean" },
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

type Values = ReturnType<typeof parse>;

export async function run(argv: string[]): Promise<number> {
  let values: Values;
  try {
    values = parse(argv);
  } catch (error) {
    console.error(`headway notify: ${(error as Error).message}\nRun "headway notify --help" for the options.`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const token = values.token ?? process.env.HEADWAY_TOKEN;
  if (values.server && !token) {
    console.error("headway notify: --token: required with --server (or set HEADWAY_TOKEN)");
    return 2;
  }
  try {
    return values.list ? await list(values, token) : await send(values, token);
  } catch (error) {
    const prefix = error instanceof RemoteCallError ? "--" : "";
    console.error(`headway notify: ${prefix}${(error as Error).message}`);
    return 2;
  }
}

async function send(values: Values, token: string | undefined): Promise<number> {
  if (values.title === undefined) {
    console.error('headway notify: --title: required (or --list to read notifications)\nRun "headway notify --help".');
    return 2;
  }
  const args: Record<string, unknown> = { action: "notify", title: values.title };
  if (values.body !== undefined) args.body = values.body;
  if (values.severity !== undefined) args.severity = values.severity;
  if (values["run-id"] !== undefined) args.runId = values["run-id"];
  let reply: ToolReply;
  if (values.server && token) reply = await callRemoteManageProgress(values.server, token, args);
  else {
    const progress = createProgress({ databaseUrl: databaseUrlOption(values.database), sweepIntervalMs: 0 });
    try {
      reply = await executeManageProgress(progress, ownerOption(values.owner), args);
    } finally {
      await progress.close();
    }
  }
  if (values.json) console.log(JSON.stringify(reply.structured, null, 2));
  else (reply.isError ? console.error : console.log)(reply.text);
  if (!reply.isError) return 0;
  const code = reply.structured.error?.code;
  return code === "invalid_argument" || code === "validation_error" ? 2 : 1;
}

async function list(values: Values, token: string | undefined): Promise<number> {
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!/^\d+$/.test(values.limit ?? "20") || limit < 1 || limit > 500) {
    console.error(`headway notify: --limit: must be a whole number from 1 to 500, got "${values.limit}"`);
    return 2;
  }
  const options = { unread: values.unread === true, limit };
  let page: { notifications: Array<Record<string, unknown>>; unreadCount: number };
  if (values.server && token) {
    const url = new URL("/_agent-native/notifications", values.server);
    url.searchParams.set("limit", String(limit));
    if (options.unread) url.searchParams.set("unread", "true");
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } }).catch((error: unknown) => {
      throw new RemoteCallError("server", `cannot reach ${values.server} (${(error as Error).message})`);
    });
    if (!response.ok) {
      console.error(`headway notify: the server answered ${response.status}: ${await response.text()}`);
      return response.status === 401 ? 2 : 1;
    }
    page = (await response.json()) as typeof page;
  } else {
    const progress = createProgress({ databaseUrl: databaseUrlOption(values.database), sweepIntervalMs: 0 });
    try {
      page = (await progress.listNotifications(ownerOption(values.owner), options)) as unknown as typeof page;
    } finally {
      await progress.close();
    }
  }
  if (values.json) {
    console.log(JSON.stringify(page, null, 2));
    return 0;
  }
  console.log(`${page.unreadCount} unread`);
  for (const n of page.notifications) {
    const mark = n.readAt ? " " : "•";
    const body = n.body ? ` — ${n.body}` : "";
    console.log(`${mark} ${n.createdAt} [${n.severity}] ${n.title}${body}${n.runId ? ` (run ${n.runId})` : ""}`);
  }
  return 0;
}
