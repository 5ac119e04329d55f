import type { Handler } from "hono";
import { eventRunId, type HeadwayEvent } from "../../core/index.js";
import type { Progress } from "../../progress/index.js";
import type { AppEnv } from "../app-env.js";
import { runNotFound } from "../http-error.js";
import { tooManyRequests } from "../limits/limit-middleware.js";
import type { ResolvedLimits } from "../limits/limits-options.js";
import type { ResolvedAppOptions } from "../options.js";
import { parseQuery, streamQuerySchema } from "../query-schemas.js";
import { childIdsOf, openingFor, type RunScope, streamedSnapshot } from "./opening-frames.js";
import { SnapshotPages } from "./snapshot-pages.js";
import type { SseHub } from "./sse-hub.js";
import { streamCredential } from "./stream-credential.js";

const HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  // nginx and friends buffer responses unless told not to.
  "X-Accel-Buffering": "no",
};

/** A client over its stream allowance is told to come back after this long. */
const STREAMS_RETRY_AFTER_S = 10;

/**
 * Events of one run and its children. `children` holds those listed when the
 * stream opened; new ones are learned as they appear, so their deletions pass too.
 */
function scopeFilter(scope: RunScope, children: Set<string>): (event: HeadwayEvent) => boolean {
  const { runId } = scope;
  if (!runId) return () => true;
  return (event) => {
    if (event.run?.parentId === runId) children.add(event.run.id);
    const id = eventRunId(event);
    return id === runId || (id !== undefined && children.has(id));
  };
}

/** A stream ended with a reason gets this long to flush its last frame before its connection is cut. */
const END_GRACE_MS = 5000;

/** Cuts the Node response if it has not finished `END_GRACE_MS` after the stream was ended: a client that never reads would hold it open. */
function cutLaterOf(env: unknown): (() => void) | undefined {
  const outgoing = (env as { outgoing?: { writableFinished?: boolean; destroy?: () => void } } | undefined)?.outgoing;
  if (!outgoing?.destroy) return undefined;
  return () => {
    setTimeout(() => {
      if (!outgoing.writableFinished) outgoing.destroy?.();
    }, END_GRACE_MS).unref();
  };
}

/** Bytes the Node response holds unflushed (its own buffer and its socket's), when served by @hono/node-server. */
function unflushedOf(env: unknown): (() => number) | undefined {
  const outgoing = (env as { outgoing?: { writableLength?: number } } | undefined)?.outgoing;
  if (!outgoing || typeof outgoing.writableLength !== "number") return undefined;
  return () => outgoing.writableLength ?? 0;
}

export interface StreamRouteOptions {
  maxPendingEvents: number;
  limits: ResolvedLimits;
  auth: ResolvedAppOptions["auth"];
}

/**
 * `GET {base}/stream`: a snapshot (or, with Last-Event-ID, what was missed),
 * then every change of the owner's runs as it commits, with keep-alive
 * comments. Optional `?run=ID` narrows it to one run and its children.
 */
export function streamRoute(progress: Progress, hub: SseHub, options: StreamRouteOptions): Handler<AppEnv> {
  const { limits } = options;
  const pages = new SnapshotPages();
  return async (c) => {
    const owner = c.var.owner;
    const query = parseQuery(streamQuerySchema, c.req.url);
    if (hub.countFor(owner) >= limits.maxStreamsPerOwner) {
      throw tooManyRequests(
        "too_many_streams",
        `this owner already has ${limits.maxStreamsPerOwner} open streams (limits.maxStreamsPerOwner); close one first`,
        STREAMS_RETRY_AFTER_S,
      );
    }
    const scope: RunScope = { runId: query.run };
    if (scope.runId && !(await progress.getRun(scope.runId, owner))) throw runNotFound(scope.runId);
    const lastEventId = c.req.header("last-event-id") ?? query.lastEventId;

    let unsubscribe = () => {};
    const children = new Set(scope.runId ? await childIdsOf(progress, owner, scope.runId) : []);
    const channel = hub.open({
      owner,
      credential: streamCredential(options.auth, c.req.raw, owner),
      maxPendingEvents: options.maxPendingEvents,
      bufferBytes: limits.streamBufferBytes,
      unflushed: unflushedOf(c.env),
      onEndWith: cutLaterOf(c.env),
      filter: scopeFilter(scope, children),
      // A fresh snapshot, streamed page by page: its cost does not grow with how far behind the client fell.
      resync: () => streamedSnapshot(progress, owner, scope, pages),
      onClose: () => unsubscribe(),
    });
    // Subscribe before reading the opening, so nothing committed in between is lost.
    unsubscribe = progress.subscribe((event) => channel.push(event), { owner });
    // A client that leaves cancels the body stream, which disposes the channel; no abort listener needed.
    try {
      channel.begin(await openingFor(progress, owner, lastEventId, scope, pages));
    } catch (error) {
      channel.dispose();
      throw error;
    }
    return new Response(channel.stream, { headers: HEADERS });
  };
}
