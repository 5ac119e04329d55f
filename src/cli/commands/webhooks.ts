import { parseArgs } from "node:util";
import { ValidationError } from "../../core/index.js";
import {
  DEFAULT_DATABASE_PATH,
  DELIVERY_STATUSES,
  type DeliveryStatus,
  openBackend,
  WEBHOOK_EVENT_TYPES,
  type WebhookDelivery,
  type WebhookStore,
} from "../../store/index.js";
import { databaseUrlOption } from "../defaults.js";

const USAGE = `Usage:
  headway webhooks add --owner OWNER --url URL [--events TYPE,TYPE] [--description TEXT] [--json]
  headway webhooks list [--owner OWNER] [--json]
  headway webhooks remove <endpoint-id>
  headway webhooks disable <endpoint-id>     pause deliveries (pending ones wait; new events are not queued)
  headway webhooks enable <endpoint-id>
  headway webhooks deliveries [--owner OWNER] [--endpoint ID] [--status pending|delivered|dead] [--limit N] [--json]
  headway webhooks replay <delivery-id>      send one delivery again, now
  headway webhooks replay --endpoint ID      send every dead delivery of an endpoint again

An endpoint receives the owner's events as signed JSON POSTs (Standard
Webhooks headers: webhook-id, webhook-timestamp, webhook-signature); see
docs/webhooks.md for verifying them. \`add\` prints the signing secret once.
\`headway serve\` delivers them, retrying failures with backoff; after the
last attempt a delivery is dead until replayed.

Event types: ${WEBHOOK_EVENT_TYPES.join(", ")} (default: all)

Options:
  --database URL  SQLite file path, sqlite: URL or postgres:// URL (default $HEADWAY_DATABASE_URL, else ${DEFAULT_DATABASE_PATH})
  --json          machine-readable output`;

type Values = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      owner: { type: "string" },
      url: { type: "string" },
      events: { type: "string" },
      description: { type: "string" },
      endpoint: { type: "string" },
      status: { type: "string" },
      limit: { type: "string" },
      database: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** A usage problem: exit code 2 and a message naming the option. */
class UsageError extends Error {}

export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    console.error(`headway webhooks: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  if (values.help || !action) {
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  const commands: Record<string, (store: WebhookStore) => Promise<number>> = {
    add: (store) => add(store, values),
    list: (store) => list(store, values),
    remove: (store) => remove(store, rest[0], values),
    disable: (store) => setDisabled(store, rest[0], true, values),
    enable: (store) => setDisabled(store, rest[0], false, values),
    deliveries: (store) => deliveries(store, values),
    replay: (store) => replay(store, rest[0], values),
  };
  const command = commands[action];
  if (!command) {
    console.error(`headway webhooks: unknown action "${action}"\n\n${USAGE}`);
    return 2;
  }
  const backend = openBackend(databaseUrlOption(values.database));
  try {
    await backend.ready;
    return await command(backend.webhooks);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`headway webhooks ${action}: ${error.message}`);
      return 2;
    }
    // The store names the field; say it as the option it came from.
    if (error instanceof ValidationError) {
      console.error(`headway webhooks ${action}: --${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    await backend.close();
  }
}

function print(values: Values, json: unknown, text: () => void): void {
  if (values.json) console.log(JSON.stringify(json, null, 2));
  else text();
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join("  ")
        .trimEnd(),
    );
  }
}

const when = (iso: string | null) => (iso ? iso.slice(0, 19).replace("T", " ") : "");

async function add(store: WebhookStore, values: Values): Promise<number> {
  if (!values.owner) throw new UsageError("--owner is required (whose events the endpoint receives)");
  if (!values.url) throw new UsageError("--url is required (where the events are POSTed)");
  const events = values.events
    ?.split(",")
    .map((type) => type.trim())
    .filter(Boolean);
  const { endpoint, secret } = await store.createEndpoint({
    owner: values.owner,
    url: values.url,
    events: events ?? null,
    description: values.description ?? null,
  });
  if (values.json) {
    console.log(JSON.stringify({ secret, ...endpoint }, null, 2));
    return 0;
  }
  // The secret alone on stdout, so `SECRET=$(headway webhooks add …)` works; the rest to stderr.
  console.log(secret);
  console.error(
    `Created ${endpoint.id} for ${endpoint.owner}: ${endpoint.events?.join(", ") ?? "every event"} to ${endpoint.url}.\n` +
      "The line above is its signing secret: store it now, it is not shown again. See docs/webhooks.md to verify deliveries.",
  );
  return 0;
}

async function list(store: WebhookStore, values: Values): Promise<number> {
  const endpoints = await store.listEndpoints(values.owner ?? null);
  const withCounts = await Promise.all(
    endpoints.map(async (e) => ({ ...e, deliveries: await store.countDeliveries(null, e.id) })),
  );
  print(values, withCounts, () => {
    if (withCounts.length === 0) {
      console.log(values.owner ? `No webhook endpoints for ${values.owner}.` : "No webhook endpoints.");
      return;
    }
    table(
      ["ID", "OWNER", "URL", "EVENTS", "STATE", "PENDING", "DEAD", "CREATED (UTC)"],
      withCounts.map((e) => [
        e.id,
        e.owner,
        e.url,
        e.events?.join(",") ?? "all",
        e.disabledAt ? "paused" : "active",
        String(e.deliveries.pending),
        String(e.deliveries.dead),
        when(e.createdAt),
      ]),
    );
  });
  return 0;
}

async function remove(store: WebhookStore, id: string | undefined, values: Values): Promise<number> {
  if (!id) throw new UsageError("give the endpoint id (see `headway webhooks list`)");
  const removed = await store.removeEndpoint(id, null);
  if (!removed) {
    console.error(`headway webhooks remove: no endpoint with id ${id}`);
    return 1;
  }
  print(values, removed, () =>
    console.log(`Removed ${removed.id} (${removed.owner}, ${removed.url}) and its deliveries.`),
  );
  return 0;
}

async function setDisabled(store: WebhookStore, id: string | undefined, disabled: boolean, values: Values) {
  const action = disabled ? "disable" : "enable";
  if (!id) throw new UsageError("give the endpoint id (see `headway webhooks list`)");
  const endpoint = await store.setEndpointDisabled(id, disabled, null);
  if (!endpoint) {
    console.error(`headway webhooks ${action}: no endpoint with id ${id}`);
    return 1;
  }
  print(values, endpoint, () =>
    console.log(
      disabled
        ? `Paused ${endpoint.id}: new events are not queued for it, pending deliveries wait.`
        : `Resumed ${endpoint.id}.`,
    ),
  );
  return 0;
}

function lastOutcome(d: WebhookDelivery): string {
  if (d.status === "delivered") return `HTTP ${d.lastStatusCode}`;
  return d.lastError ?? "";
}

async function deliveries(store: WebhookStore, values: Values): Promise<number> {
  const status = values.status as DeliveryStatus | undefined;
  if (status !== undefined && !DELIVERY_STATUSES.includes(status)) {
    throw new UsageError(`--status must be one of ${DELIVERY_STATUSES.join(", ")}; got "${status}"`);
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new UsageError(`--limit must be a whole number from 1 to 500; got "${values.limit}"`);
  }
  const found = await store.listDeliveries(values.owner ?? null, { endpointId: values.endpoint, status, limit });
  print(values, found, () => {
    if (found.length === 0) {
      console.log(`No ${status ? `${status} ` : ""}deliveries.`);
      return;
    }
    table(
      ["ID", "ENDPOINT", "EVENT", "TYPE", "STATUS", "ATTEMPTS", "NEXT (UTC)", "LAST OUTCOME"],
      found.map((d) => [
        d.id,
        d.endpointId,
        d.eventId,
        d.eventType,
        d.status,
        String(d.attempts),
        when(d.nextAttemptAt),
        lastOutcome(d),
      ]),
    );
  });
  return 0;
}

async function replay(store: WebhookStore, id: string | undefined, values: Values): Promise<number> {
  if (values.endpoint) {
    if (id) throw new UsageError("give a delivery id or --endpoint, not both");
    const count = await store.replayDead(values.endpoint, null, Date.now());
    if (count === null) {
      console.error(`headway webhooks replay: no endpoint with id ${values.endpoint}`);
      return 1;
    }
    print(values, { replayed: count }, () =>
      console.log(`Replaying ${count} dead deliver${count === 1 ? "y" : "ies"} of ${values.endpoint}.`),
    );
    return 0;
  }
  if (!id) throw new UsageError("give a delivery id (see `headway webhooks deliveries`) or --endpoint ID");
  const delivery = await store.replayDelivery(id, null, Date.now());
  if (!delivery) {
    console.error(`headway webhooks replay: no delivery with id ${id}`);
    return 1;
  }
  print(values, delivery, () =>
    console.log(
      `${delivery.id} (event ${delivery.eventId}) is ${delivery.status}, next attempt ${when(delivery.nextAttemptAt)} UTC;` +
        " a server delivering webhooks sends it.",
    ),
  );
  return 0;
}
