import { parseArgs } from "node:util";
import { type ApiToken, DEFAULT_DATABASE_PATH, openBackend, type TokenStore } from "../../store/index.js";
import { databaseUrlOption, durationOption } from "../defaults.js";

const USAGE = `Usage:
  headway tokens create --owner OWNER [--scope read|agent] [--label TEXT] [--expires-in 7d] [--json]
  headway tokens list [--owner OWNER] [--all] [--json]
  headway tokens revoke <id>

Tokens authenticate requests to \`headway serve\` (Authorization: Bearer <token>).
Each maps to one owner. Only a SHA-256 hash is stored: \`create\` prints the
token once, \`list\` never shows it.

Scopes: read   list, get, stream, cancel and delete the owner's runs (default)
        agent  also the manage-progress tool over MCP (/mcp)

Options:
  --database URL  SQLite file path or sqlite: URL (default $HEADWAY_DATABASE_URL, else ${DEFAULT_DATABASE_PATH})
  --expires-in D  the token stops working after D: a number and s, m, h or d (default: never)
  --all           list revoked and expired tokens too
  --json          machine-readable output`;

type Values = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      owner: { type: "string" },
      scope: { type: "string" },
      label: { type: "string" },
      "expires-in": { type: "string" },
      database: { type: "string" },
      all: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    console.error(`headway tokens: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  if (values.help || !action) {
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  const backend = openBackend(databaseUrlOption(values.database));
  try {
    const tokens = backend.tokens;
    switch (action) {
      case "create":
        return await create(tokens, values);
      case "list":
        return await list(tokens, values);
      case "revoke":
        return await revoke(tokens, rest[0], values);
      default:
        console.error(`headway tokens: unknown action "${action}"\n\n${USAGE}`);
        return 2;
    }
  } finally {
    await backend.close();
  }
}

function statusOf(t: ApiToken): string {
  if (t.revokedAt) return `revoked ${t.revokedAt.slice(0, 10)}`;
  if (t.expiresAt && Date.parse(t.expiresAt) <= Date.now()) return `expired ${t.expiresAt.slice(0, 10)}`;
  return t.expiresAt ? `active until ${t.expiresAt.slice(0, 16).replace("T", " ")}` : "active";
}

async function create(tokens: TokenStore, values: Values): Promise<number> {
  if (!values.owner) {
    console.error("headway tokens create: --owner is required (the user id or e-mail whose runs the token opens)");
    return 2;
  }
  let ttlMs: number | undefined;
  try {
    ttlMs = durationOption("--expires-in", values["expires-in"], "7d");
  } catch (error) {
    console.error(`headway tokens create: ${(error as Error).message}`);
    return 2;
  }
  // The store validates and names the field; say it as the option it came from.
  const { token, record } = await tokens
    .create({ owner: values.owner, scope: values.scope as ApiToken["scope"] | undefined, label: values.label, ttlMs })
    .catch((error: Error) => {
      throw Object.assign(error, { message: `--${error.message}` });
    });
  if (values.json) {
    console.log(JSON.stringify({ token, ...record }, null, 2));
    return 0;
  }
  // The token alone on stdout, so `TOKEN=$(headway tokens create …)` works; the rest to stderr.
  console.log(token);
  console.error(
    `Created ${record.id} for ${record.owner} (scope ${record.scope}). Store it now: it is not shown again.\n` +
      `Use it as "Authorization: Bearer <token>", or open the dashboard at /?token=<token>.`,
  );
  return 0;
}

async function list(tokens: TokenStore, values: Values): Promise<number> {
  const found = await tokens.list({ owner: values.owner, includeRevoked: values.all ?? false });
  if (values.json) {
    console.log(JSON.stringify(found, null, 2));
    return 0;
  }
  if (found.length === 0) {
    console.log(values.owner ? `No tokens for ${values.owner}.` : "No tokens.");
    return 0;
  }
  const rows = found.map((t) => [
    t.id,
    t.owner,
    t.scope,
    t.label ?? "",
    t.createdAt.slice(0, 16).replace("T", " "),
    t.lastUsedAt ? t.lastUsedAt.slice(0, 16).replace("T", " ") : "never",
    statusOf(t),
  ]);
  const header = ["ID", "OWNER", "SCOPE", "LABEL", "CREATED (UTC)", "LAST USED", "STATUS"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join("  ")
        .trimEnd(),
    );
  return 0;
}

async function revoke(tokens: TokenStore, id: string | undefined, values: Values): Promise<number> {
  if (!id) {
    console.error("headway tokens revoke: give the token id (see `headway tokens list`)");
    return 2;
  }
  const revoked = await tokens.revoke(id);
  if (!revoked) {
    console.error(`headway tokens revoke: no token with id ${id}`);
    return 1;
  }
  if (values.json) console.log(JSON.stringify(revoked, null, 2));
  else
    console.log(
      `Revoked ${revoked.id} (${revoked.owner}, ${revoked.scope}${revoked.label ? `, "${revoked.label}"` : ""}).`,
    );
  return 0;
}
