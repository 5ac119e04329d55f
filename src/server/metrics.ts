import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FirstDiagnostic, StoredDiagnostic } from "../core/index.js";
import type { Progress } from "../progress/index.js";
import type { SseHub } from "./sse/sse-hub.js";

export interface ServerMetrics {
  readonly registry: Registry;
  /** Counts and times each request by method, route pattern and status. */
  readonly middleware: MiddlewareHandler;
  dispose(): void;
}

const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/** Waits a person sits through before a run shows something: 50 ms to 30 minutes. */
const WAIT_BUCKETS_MS = [
  50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000,
];
/** From text in the page to the frame that shows it: about one frame (16.7 ms at 60 Hz) up to 5 s of a jammed page. */
const PAINT_BUCKETS_MS = [8, 16, 33, 50, 100, 250, 500, 1000, 2500, 5000];
/** Silence of a running run: a second up to the watchdog's defaults (stale at 2 minutes, abandoned at 30) and past them. */
const AGE_BUCKETS_MS = [1000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

/** The Prometheus name of each stored diagnostic (the snake_case names). */
const DIAGNOSTIC_METRICS: Record<StoredDiagnostic, { name: string; help: string; buckets: number[] }> = {
  submitToStatusMs: {
    name: "headway_submit_to_status_ms",
    help: "Per run, ms from start to the first write after it that gave a state, step or percent (or ended the run)",
    buckets: WAIT_BUCKETS_MS,
  },
  submitToFirstEventMs: {
    name: "headway_submit_to_first_event_ms",
    help: "Per run, ms from start to its first sign of life of any kind (a write, a heartbeat, a child's write)",
    buckets: WAIT_BUCKETS_MS,
  },
  submitToFirstTextMs: {
    name: "headway_submit_to_first_text_ms",
    help: "Per run, ms from start to the first answer text (state streaming, or as a client reported it)",
    buckets: WAIT_BUCKETS_MS,
  },
  firstTextToPaintMs: {
    name: "headway_first_text_to_paint_ms",
    help: "Per run, as a client reported it: ms from the first text reaching the page to the frame that showed it",
    buckets: PAINT_BUCKETS_MS,
  },
};

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

  // Each diagnostic is observed once, when a batch of this process sets it (it never changes after). Batches,
  // not the change feed: with several servers on one database every one reads every commit, but only the one
  // that committed a value observes it, so the servers' histograms add up to each run counted once.
  const diagnostics = new Map<StoredDiagnostic, Histogram>();
  for (const [key, spec] of Object.entries(DIAGNOSTIC_METRICS)) {
    diagnostics.set(key as StoredDiagnostic, new Histogram({ ...spec, registers: [registry] }));
  }
  // The age of the last sign of life changes every moment and is never "set", so it is sampled: at each
  // scrape, one observation per running run (any owner's). Sampling at scrape time costs nothing while
  // nobody scrapes and is exactly as fresh as what Prometheus stores; the count grows by the number of
  // running runs per scrape, so read it with rate() and histogram_quantile(). Every server on one database
  // sees the same runs: quantiles agree across them, counts add up once per server.
  new Histogram({
    name: "headway_last_event_age_ms",
    help: "Running runs' ms since their last sign of life, one observation per running run at each scrape",
    buckets: AGE_BUCKETS_MS,
    registers: [registry],
    async collect() {
      const now = Date.now();
      for (const heartbeatAt of await progress.store.listActiveHeartbeats())
        this.observe(Math.max(0, now - heartbeatAt));
    },
  });

  const unsubscribe = progress.subscribe((event) => published.inc({ type: event.type }));
  const onBatch = ({ size, firstDiagnostics }: { size: number; firstDiagnostics: readonly FirstDiagnostic[] }) => {
    batches.observe(size);
    for (const { name, ms } of firstDiagnostics) diagnostics.get(name)?.observe(ms);
  };
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
