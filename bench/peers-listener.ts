/**
 * The BullMQ side's listener for `bench/peers.ts`, in its own process as a
 * real deployment has it: a `QueueEvents` on the trial's queue that stamps
 * every `progress` event on arrival and compares it with the send time the
 * main process put in the payload (`t`, from performance.timeOrigin +
 * performance.now(), which is comparable across processes).
 *
 * IPC protocol (parent → child):
 *   { kind: "listen", queue }            → { kind: "listening" }
 *   { kind: "collect", expected, idleMs } → { kind: "result", received, latencies }
 *   { kind: "exit" }
 */
import { QueueEvents } from "bullmq";

const now = () => performance.timeOrigin + performance.now();
const connection = {
  host: process.env.REDIS_HOST ?? "127.0.0.1",
  port: Number(process.env.REDIS_PORT ?? 6379),
};

type Message =
  | { kind: "listen"; queue: string }
  | { kind: "collect"; expected: number; idleMs: number }
  | { kind: "exit" };

let events: QueueEvents | undefined;
let latencies: number[] = [];
let lastReceipt = 0;

function send(message: unknown): void {
  process.send?.(message);
}

process.on("message", (message: Message) => {
  handle(message).catch((error: unknown) => {
    send({ kind: "error", message: error instanceof Error ? error.stack : String(error) });
  });
});

async function handle(message: Message): Promise<void> {
  if (message.kind === "listen") {
    latencies = [];
    lastReceipt = now();
    // lastEventId "0": read the fresh queue's stream from its start, so no
    // event written before the blocking XREAD is issued can slip past.
    events = new QueueEvents(message.queue, { connection, lastEventId: "0" });
    events.on("progress", ({ data }) => {
      const at = now();
      lastReceipt = at;
      const sentAt = (data as { t?: number }).t;
      if (typeof sentAt === "number") latencies.push(at - sentAt);
    });
    await events.waitUntilReady();
    send({ kind: "listening" });
  } else if (message.kind === "collect") {
    // Wait until every event arrived, or nothing arrived for idleMs.
    while (latencies.length < message.expected && now() - lastReceipt < message.idleMs) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const received = latencies.length;
    await events?.close();
    events = undefined;
    send({ kind: "result", received, latencies });
    latencies = [];
  } else {
    await events?.close();
    process.exit(0);
  }
}
