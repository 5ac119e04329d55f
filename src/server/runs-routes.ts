import { Hono } from "hono";
import { type AgentRun, type DiagnosticsReport, ValidationError } from "../core/index.js";
import type { Progress } from "../progress/index.js";
import type { AppEnv } from "./app-env.js";
import { HttpError, runNotFound } from "./http-error.js";
import { countsQuerySchema, historyQuerySchema, listQuerySchema, parseQuery, parseRunId } from "./query-schemas.js";

export interface RunPage {
  runs: AgentRun[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** The request's body as JSON, or a 400 saying it is not. */
async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError("body", "must be a JSON object");
  }
}

/**
 * The owner-scoped runs API. Read-only but for cancel, delete and the
 * diagnostics a client reports: writes go through the agent tool. Every query
 * names the owner, so another owner's run is a 404 like a missing one.
 */
export function runsRoutes(progress: Progress): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get("/", async (c) => {
    const query = parseQuery(listQuerySchema, c.req.url);
    const limit = query.limit ?? 50;
    // One row more than asked says whether another page exists.
    const rows = await progress.store.listRuns(c.var.owner, {
      activeOnly: query.active ?? false,
      limit: limit + 1,
      cursor: query.cursor,
      parentId: query.parent,
      q: query.q,
      status: query.status,
    });
    const runs = rows.slice(0, limit);
    const page: RunPage = { runs, nextCursor: rows.length > limit ? (runs.at(-1)?.id ?? null) : null };
    return c.json(page);
  });

  // Counts over all the owner's runs (matching `q`), for filter badges: before `/:id`, which would take "counts".
  routes.get("/counts", async (c) => {
    const { q } = parseQuery(countsQuerySchema, c.req.url);
    return c.json(await progress.store.countRuns(c.var.owner, { q }));
  });

  routes.get("/:id", async (c) => {
    const id = parseRunId(c.req.param("id"));
    const run = await progress.getRun(id, c.var.owner);
    if (!run) throw runNotFound(id);
    return c.json({ run });
  });

  routes.get("/:id/events", async (c) => {
    const id = parseRunId(c.req.param("id"));
    const { limit } = parseQuery(historyQuerySchema, c.req.url);
    const events = await progress.getRunHistory(id, c.var.owner, limit);
    if (!events) throw runNotFound(id);
    return c.json({ events });
  });

  routes.post("/:id/cancel", async (c) => {
    const id = parseRunId(c.req.param("id"));
    const outcome = await progress.tryCancel(id, c.var.owner);
    if (outcome.ok && outcome.run) return c.json({ run: outcome.run });
    if (!outcome.ok && outcome.reason === "terminal") {
      throw new HttpError(409, "run_terminal", `run ${id} already ${outcome.run.status}; there is nothing to cancel`);
    }
    if (!outcome.ok && outcome.reason === "invalid") throw outcome.error;
    throw runNotFound(id);
  });

  // What the page measured (first paint of a run's text): read tokens may report, as the dashboard and tray hold them.
  routes.post("/:id/diagnostics", async (c) => {
    const id = parseRunId(c.req.param("id"));
    // Checked by tryReportDiagnostics (unknown fields, negative or non-finite values are a 400 naming the field).
    const report = (await jsonBody(c.req.raw)) as DiagnosticsReport;
    const outcome = await progress.tryReportDiagnostics(id, c.var.owner, report);
    if (outcome.ok && outcome.run) return c.json({ run: outcome.run });
    if (!outcome.ok && outcome.reason === "terminal") {
      throw new HttpError(
        409,
        "run_terminal",
        `run ${id} already ${outcome.run.status}; diagnostics are recorded only while a run is running`,
      );
    }
    if (!outcome.ok && outcome.reason === "invalid") throw outcome.error;
    throw runNotFound(id);
  });

  routes.delete("/:id", async (c) => {
    const id = parseRunId(c.req.param("id"));
    if (!(await progress.deleteRun(id, c.var.owner))) throw runNotFound(id);
    return c.json({ deleted: true, id });
  });

  return routes;
}
