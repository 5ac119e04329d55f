import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Progress } from "../progress/index.js";
import type { SseHub } from "./sse/sse-hub.js";

export interface ServerMetrics {
  readonly registry: Registry;
  /** Counts and times each request by method, route pattern and status. */
  readonly middleware: MiddlewareHandler;
  dispose(): void;
}

const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/** The route pattern that answered, so labels stay few (`/runs/:id`, not one per id). */
function routeLabel(c: Parameters<MiddlewareHandler>[0]): string {
  const routes = matchedRoutes(c);
  const handler = routes.findLast((route) => route.method !== "ALL" && !route.path.endsWith("*"));
  return handler?.path ?? (c.res.status === 404 ? "unmatched" : (routes.at(-1)?.path ?? "unmatched"));
}

export function createMetrics(progress: Progress, hub: SseHub, registry = new Registry()): ServerMetrics {
  const requests = new Counter({
    name: "headway_http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "headway_http_request_duration_seconds",
    help: "Time to the response headers, by method and route (a stream counts until it opens)",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: "headway_active_runs",
    help: "Runs whose status is running, all owners",
    registers: [registry],
    async collect() {
      this.set(await progress.store.countActive());
    },
  });
  new Gauge({
    name: "headway_runs_needing_attention",
    help: "Running runs that need a person, all owners, by attention: waiting for one (action_required) or gone silent (stale)",
    labelNames: ["attention"] as const,
    registers: [registry],
    async collect() {
      const counts = await progress.store.countAttention();
      this.set({ attention: "action_required" }, counts.action_required);
      this.set({ attention: "stale" }, counts.stale);
    },
  });
  new Gauge({
    name: "headway_sse_clients",
    help: "Open Server-Sent Events streams",
    registers: [registry],
    collect() {
      this.set(hub.size);
    },
  });
  new Gauge({
    name: "headway_sse_backlog_events",
    help: "Events waiting for slow stream clients, summed (bounded per client: latest state per run)",
    registers: [registry],
    collect() {
      this.set(hub.backlog);
    },
  });
  new Gauge({
    name: "headway_sse_backlog_bytes",
    help: "Bytes waiting for stream clients, summed: queued frames plus what sockets hold unflushed (bounded per client by limits.streamBufferBytes)",
    registers: [registry],
    collect() {
      this.set(hub.backlogBytes);
    },
  });
  new Counter({
    name: "headway_sse_resyncs_total",
    help: "Times a stream client fell more than its byte budget behind: its backlog was dropped and it is re-synced from the store",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(hub.overflows);
    },
  });
  const published = new Counter({
    name: "headway_events_published_total",
    help: "Events published on the bus, by type (every commit on the database, whichever process made it)",
    labelNames: ["type"] as const,
    registers: [registry],
  });
  const batches = new Histogram({
    name: "headway_write_batch_size",
    help: "Writes per group-commit transaction",
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });

  const unsubscribe = progress.subscribe((event) => published.inc({ type: event.type }));
  const onBatch = ({ size }: { size: number }) => batches.observe(size);
  progress.on("batch", onBatch);

  const middleware: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = routeLabel(c);
      requests.inc({ method: c.req.method, route, status: String(c.res.status) });
      latency.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
    }
  };

  return {
    registry,
    middleware,
    dispose() {
      unsubscribe();
      progress.off("batch", onBatch);
    },
  };
}
