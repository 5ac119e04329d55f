import type { Handler } from "hono";
import type { HeadwayEvent } from "../../core/index.js";
import type { Progress } from "../../progress/index.js";
import type { AppEnv } from "../app-env.js";
import { runNotFound } from "../http-error.js";
import { parseQuery, streamQuerySchema } from "../query-schemas.js";
import { openingFor, type RunScope, replayOpening, snapshotOpening } from "./opening-frames.js";
import type { SseHub } from "./sse-hub.js";

const HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  // nginx and friends buffer responses unless told not to.
  "X-Accel-Buffering": "no",
};

/** Events of one run and its children; children are learned as they appear, so their deletions pass too. */
function scopeFilter(scope: RunScope, knownChildren: Iterable<string>): (event: HeadwayEvent) => boolean {
  const { runId } = scope;
  if (!runId) return () => true;
  const children = new Set(knownChildren);
  return (event) => {
    if (event.run?.parentId === runId) children.add(event.run.id);
    const id = event.run?.id ?? ("runId" in event.payload ? String(event.payload.runId) : undefined);
    return id === runId || (id !== undefined && children.has(id));
  };
}

/**
 * `GET {base}/stream`: a snapshot (or, with Last-Event-ID, what was missed),
 * then every change of the owner's runs as it commits, with keep-alive
 * comments. Optional `?run=ID` narrows it to one run and its children.
 */
export function streamRoute(progress: Progress, hub: SseHub, maxPendingEvents: number): Handler<AppEnv> {
  return async (c) => {
    const owner = c.var.owner;
    const query = parseQuery(streamQuerySchema, c.req.url);
    const scope: RunScope = { runId: query.run };
    if (scope.runId && !(await progress.getRun(scope.runId, owner))) throw runNotFound(scope.runId);
    const lastEventId = c.req.header("last-event-id") ?? query.lastEventId;

    let unsubscribe = () => {};
    const children = scope.runId
      ? (await progress.store.listRuns(owner, { parentId: scope.runId, limit: 500 })).map((run) => run.id)
      : [];
    const channel = hub.open({
      maxPendingEvents,
      filter: scopeFilter(scope, children),
      resync: async (sinceSeq) =>
        (await replayOpening(progress, owner, sinceSeq, scope)) ?? snapshotOpening(progress, owner, scope),
      onClose: () => unsubscribe(),
    });
    // Subscribe before reading the opening, so nothing committed in between is lost.
    unsubscribe = progress.subscribe((event) => channel.push(event), { owner });
    // A client that leaves cancels the body stream, which disposes the channel; no abort listener needed.
    try {
      channel.begin(await openingFor(progress, owner, lastEventId, scope));
    } catch (error) {
      channel.dispose();
      throw error;
    }
    return new Response(channel.stream, { headers: HEADERS });
  };
}
