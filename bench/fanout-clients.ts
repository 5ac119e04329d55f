/**
 * The client side of bench/fanout.ts, run in its own process so the server's
 * figures are its own: opens N SSE connections over node:http (one socket
 * each), parses frames with eventsource-parser, and measures each update's
 * publish-to-receipt time from the `sentAt` the publisher put in its metadata.
 * Driven over IPC by bench/fanout.ts; not meant to be run by hand.
 */
import { get, type IncomingMessage } from "node:http";
import { createParser } from "eventsource-parser";

interface Start {
  kind: "connect";
  url: string;
  tokens: string[];
  /** Opens clients number `from` up to (not including) `to`; client i uses token i mod tokens. */
  from: number;
  to: number;
}

const now = () => performance.timeOrigin + performance.now();
const responses: IncomingMessage[] = [];
let measuring = false;
let latencies: number[] = [];
let delivered = 0;

function connect(url: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const parser = createParser({
      onEvent: (event) => {
        if (event.event === "snapshot") return resolve();
        if (!measuring) return;
        delivered++;
        // Cheaper than parsing every envelope: the publisher's timestamp is the only field needed.
        const match = /"sentAt":([0-9.]+)/.exec(event.data);
        if (match) latencies.push(now() - Number(match[1]));
      },
    });
    const request = get(url, { agent: false, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      responses.push(res);
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => parser.feed(chunk));
    });
    request.on("error", reject);
  });
}

async function connectAll(message: Start): Promise<void> {
  const started = now();
  let next = message.from;
  // A bounded number of handshakes in flight, so the listen backlog never overflows.
  const worker = async () => {
    while (next < message.to) {
      const i = next++;
      await connect(message.url, message.tokens[i % message.tokens.length] as string);
    }
  };
  await Promise.all(Array.from({ length: 100 }, worker));
  process.send?.({ kind: "connected", clients: responses.length, ms: now() - started });
}

process.on("message", (message: Start | { kind: "measure" | "report" | "close" }) => {
  if (message.kind === "connect") {
    connectAll(message).catch((error: Error) => process.send?.({ kind: "error", message: error.message }));
  } else if (message.kind === "measure") {
    latencies = [];
    delivered = 0;
    measuring = true;
  } else if (message.kind === "report") {
    measuring = false;
    process.send?.({ kind: "report", delivered, latencies });
  } else {
    for (const res of responses) res.destroy();
    process.disconnect();
  }
});
