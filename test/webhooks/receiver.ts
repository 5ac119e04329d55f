/**
 * A webhook receiver on 127.0.0.1 (a free port) for tests: it verifies each
 * request's signature with `verifyWebhook`, logs it, and answers as `respond`
 * says (fail the first K attempts, stall, redirect…). Stopped by `close()`.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { HeadwayEvent } from "../../src/core/index.js";
import { verifyWebhook } from "../../src/webhooks/index.js";

export interface ReceivedRequest {
  /** `webhook-id`. */
  id: string;
  /** The n-th request with this id, from 1. */
  nth: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The verified event, or null when verification failed (see `problem`). */
  event: HeadwayEvent | null;
  problem: string | null;
  /** What the receiver answered. */
  status: number;
  at: number;
}

export type Answer = number | { status: number; headers?: Record<string, string>; delayMs?: number; body?: string };

export interface Receiver {
  url: string;
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** The secret signatures are checked against (set once the endpoint is created). */
  secret: string;
  /** Secrets by request path, for several endpoints on one receiver; `secret` for the rest. */
  secrets: Record<string, string>;
  /** Decides each answer; the default accepts everything with 204. */
  respond: (request: Omit<ReceivedRequest, "status" | "at">) => Answer;
  /** Requests answered 2xx with a verified signature. */
  accepted(): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const seen = new Map<string, number>();
  const requests: ReceivedRequest[] = [];
  const receiver: Receiver = {
    url: "",
    requests,
    secret: "",
    secrets: {},
    respond: () => 204,
    accepted: () => requests.filter((r) => r.event !== null && r.status >= 200 && r.status < 300),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const id = String(req.headers["webhook-id"] ?? "");
      const nth = (seen.get(id) ?? 0) + 1;
      seen.set(id, nth);
      let event: HeadwayEvent | null = null;
      let problem: string | null = null;
      try {
        event = verifyWebhook(receiver.secrets[req.url ?? "/"] ?? receiver.secret, req.headers, body);
      } catch (error) {
        problem = (error as Error).message;
      }
      const request = { id, nth, path: req.url ?? "/", headers: req.headers, body, event, problem };
      let answer = receiver.respond(request);
      if (problem && typeof answer === "number" && answer < 300) answer = 401;
      const {
        status,
        headers = {},
        delayMs = 0,
        body: reply = "",
      } = typeof answer === "number" ? { status: answer } : answer;
      requests.push({ ...request, status, at: Date.now() });
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, headers).end(reply);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** A port on 127.0.0.1 nothing listens on (one just freed): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
