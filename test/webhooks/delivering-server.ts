/**
 * A Headway server delivering webhooks, in a process of its own, for tests
 * of what crosses processes (several servers on one database, a server
 * killed mid-retry):
 *   node --import tsx test/webhooks/delivering-server.ts <databaseUrl> '<WebhookDispatcherOptions as JSON>'
 * Prints `ready <url>` once serving, then one line per stored attempt outcome:
 *   delivered <deliveryId> <eventId> <attempts> | retrying … | dead …
 * Exits when stdin closes (so a dead test leaves nothing behind) or on SIGTERM (cleanly).
 */
import { createProgress } from "../../src/progress/index.js";
import { startServer } from "../../src/server/index.js";

const [databaseUrl, options = "{}"] = process.argv.slice(2);
if (!databaseUrl) throw new Error("usage: delivering-server <databaseUrl> [options JSON]");
const out = (line: string) => process.stdout.write(`${line}\n`);
const progress = createProgress({ databaseUrl, followExternalWrites: true, sweepIntervalMs: 0 });
const server = await startServer({
  progress,
  port: 0,
  dashboardDir: false,
  webhookDelivery: JSON.parse(options),
  onError: (error) => process.stderr.write(`server error: ${String(error)}\n`),
});
const webhooks = server.webhooks;
if (!webhooks) throw new Error("the server runs no dispatcher");
webhooks.on("delivered", (i) => out(`delivered ${i.deliveryId} ${i.eventId} ${i.attempts}`));
webhooks.on("retrying", (i) => out(`retrying ${i.deliveryId} ${i.eventId} ${i.attempts}`));
webhooks.on("dead", (i) => out(`dead ${i.deliveryId} ${i.eventId} ${i.attempts}`));
out(`ready ${server.url}`);

const stop = () => {
  void server
    .close()
    .then(() => progress.close())
    .then(() => process.exit(0));
};
process.stdin.on("end", stop);
process.stdin.resume();
process.once("SIGTERM", stop);
