import { parseArgs } from "node:util";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createProgress } from "../../progress/index.js";
import { DEFAULT_DATABASE_PATH } from "../../store/index.js";
import { createMcpServer } from "../../tools/index.js";
import { databaseUrlOption, ownerOption } from "../defaults.js";

const USAGE = `Usage: headway mcp [--owner OWNER | --token TOKEN] [--database URL]

Serves the manage-progress tool over MCP on stdin/stdout, for desktop agents
(Claude Desktop, Cursor, ...). Runs are written for one owner:
  --token TOKEN   an agent-scope token from \`headway tokens create --scope agent\` (or $HEADWAY_TOKEN)
  --owner OWNER   for local use without a token (default $HEADWAY_OWNER, else $USER@localhost)
  --database URL  SQLite file path or sqlite: URL (default $HEADWAY_DATABASE_URL, else ${DEFAULT_DATABASE_PATH})
Writes go to the same database \`headway serve\` reads, so runs show up live on its dashboard.`;

export async function run(argv: string[]): Promise<number> {
  let values: { owner?: string; token?: string; database?: string; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: {
        owner: { type: "string" },
        token: { type: "string" },
        database: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    console.error(`headway mcp: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const progress = createProgress({
    databaseUrl: databaseUrlOption(values.database),
    sweepIntervalMs: 0,
  });
  let owner: string;
  const token = values.token ?? process.env.HEADWAY_TOKEN;
  if (token) {
    const identity = await progress.backend.tokens.verify(token);
    if (identity?.scope !== "agent") {
      await progress.close();
      console.error(
        `headway mcp: --token: ${identity ? "this token has read scope; the tool needs an agent token" : "unknown or revoked token"} (create one with: headway tokens create --owner you@example.com --scope agent)`,
      );
      return 2;
    }
    owner = identity.owner;
  } else {
    try {
      owner = ownerOption(values.owner);
    } catch (error) {
      await progress.close();
      console.error(`headway mcp: ${(error as Error).message}`);
      return 2;
    }
  }
  const server = createMcpServer(progress, owner);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once("end", () => resolve());
  });
  await server.connect(transport);
  console.error(`headway mcp: serving manage-progress for ${owner} on stdio`);
  await closed;
  await server.close();
  await progress.close();
  return 0;
}
