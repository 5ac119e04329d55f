import { fileURLToPath } from "node:url";
import type { Registry } from "prom-client";
import { z } from "zod";
import { parseInput, ValidationError } from "../core/index.js";
import type { Progress } from "../progress/index.js";
import type { TokenStore } from "../store/index.js";
import { type LimitsOptions, type ResolvedLimits, resolveLimits } from "./limits/limits-options.js";

/** Serves the MCP endpoint for an authenticated owner (`POST/GET/DELETE /mcp`). */
export type McpHandler = (request: Request, owner: string) => Promise<Response>;

/** Who is asking: an owner id, or null when the request carries no identity you accept. */
export type ResolveOwner = (request: Request) => string | null | Promise<string | null>;

export interface HeadwayAppOptions {
  /** Where runs are read and cancelled, and whose events the stream carries. */
  progress: Progress;
  /** Where the runs API lives. (Default: "/_agent-native/runs") */
  basePath?: string;
  /** Where the notifications API lives. (Default: "/_agent-native/notifications") */
  notificationsPath?: string;
  /** Where the owner's webhooks API lives, or false for none. (Default: "/_agent-native/webhooks") */
  webhooksPath?: string | false;
  /** Replaces token auth: host apps map their own session to an owner. Such callers may use every route. */
  resolveOwner?: ResolveOwner;
  /** Where bearer tokens are checked. (Default: the token store beside `progress.store`) */
  tokens?: TokenStore;
  /** The MCP endpoint's handler; without it `/mcp` answers 404. */
  mcp?: McpHandler;
  /** The built dashboard's folder, or false for none. (Default: `dist/dashboard` of this package) */
  dashboardDir?: string | false;
  /** Comment lines sent on idle streams so proxies keep them open, in ms. (Default: 15000) */
  keepAliveMs?: number;
  /** Most undelivered events kept per slow stream client before it is re-synced from the store. (Default: 10000) */
  maxPendingEvents?: number;
  /** Body size, stream count, request rate and slow-stream limits; each has a default (see docs/reliability.md). */
  limits?: LimitsOptions;
  /** Serve Prometheus metrics at `/metrics`. (Default: true) */
  metrics?: boolean;
  /** The prom-client registry the metrics go to; pass one to add your own metrics or process defaults. (Default: a new one) */
  registry?: Registry;
  /** Aborting it ends every open stream cleanly; `startServer` aborts it on close. */
  signal?: AbortSignal;
  /** Where failures nobody awaits are reported. (Default: console.error) */
  onError?: (error: unknown) => void;
  /**
   * Origins whose pages may call this server from the browser, e.g.
   * `["https://app.example.com"]`; others get no CORS headers. (Default: none)
   */
  corsOrigins?: readonly string[];
  /** How long a browser session (the cookie traded for a `?token=` link) lasts, in ms. (Default: 30 days) */
  sessionTtlMs?: number;
}

export interface ResolvedAppOptions {
  readonly progress: Progress;
  readonly basePath: string;
  readonly notificationsPath: string;
  readonly webhooksPath: string | false;
  readonly auth: { readonly resolveOwner: ResolveOwner } | { readonly tokens: TokenStore };
  readonly mcp: McpHandler | undefined;
  readonly dashboardDir: string | false;
  readonly keepAliveMs: number;
  readonly maxPendingEvents: number;
  readonly limits: ResolvedLimits;
  readonly metrics: boolean;
  readonly signal: AbortSignal | undefined;
  readonly onError: (error: unknown) => void;
  readonly corsOrigins: readonly string[];
  readonly sessionTtlMs: number;
}

export const DEFAULT_BASE_PATH = "/_agent-native/runs";
export const DEFAULT_NOTIFICATIONS_PATH = "/_agent-native/notifications";
export const DEFAULT_WEBHOOKS_PATH = "/_agent-native/webhooks";

const DEFAULTS = {
  basePath: DEFAULT_BASE_PATH,
  keepAliveMs: 15_000,
  maxPendingEvents: 10_000,
  metrics: true,
  sessionTtlMs: 30 * 24 * 60 * 60 * 1000,
} as const satisfies Partial<HeadwayAppOptions>;

/** From src/server or dist/server alike, the package's dist/dashboard is two folders up. */
export function defaultDashboardDir(): string {
  return fileURLToPath(new URL("../../dist/dashboard", import.meta.url));
}

const RESERVED = ["/mcp", "/metrics", "/healthz"];

const basePathSchema = z
  .string({ error: "must be a string" })
  .regex(/^(\/[A-Za-z0-9._~-]+)+$/, { error: 'must look like "/api/runs": a leading slash, no trailing slash' })
  .refine((path) => !RESERVED.includes(path), { error: `must not be one of ${RESERVED.join(", ")}` });

const originSchema = z.string({ error: "must be a string" }).refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
    } catch {
      return false;
    }
  },
  { error: 'must be an origin like "https://app.example.com" (scheme, host and port; no path or trailing slash)' },
);

const corsOriginsSchema = z.array(originSchema, { error: "must be an array of origins" }).max(100, {
  error: "must list at most 100 origins",
});

const sessionTtlSchema = z
  .number({ error: "must be a number of milliseconds" })
  .int({ error: "must be a whole number of milliseconds" })
  .min(60_000, { error: "must be at least 60000 ms (one minute)" })
  .max(400 * 24 * 60 * 60 * 1000, { error: "must be at most 400 days (browsers cap cookies there)" });

const numbersSchema = z.object({
  keepAliveMs: z.number().int().min(1, { error: "must be at least 1 ms" }),
  maxPendingEvents: z.number().int().min(1, { error: "must be at least 1" }),
});

/** Defaults filled in, checked and frozen once; everything downstream takes this. */
export function resolveAppOptions(options: HeadwayAppOptions): ResolvedAppOptions {
  if (!options.progress) throw new TypeError("createHeadwayApp: the `progress` option is required");
  const basePath = parseInput(basePathSchema, options.basePath ?? DEFAULTS.basePath, "basePath");
  const notificationsPath = parseInput(
    basePathSchema,
    options.notificationsPath ?? DEFAULT_NOTIFICATIONS_PATH,
    "notificationsPath",
  );
  if (notificationsPath === basePath) {
    throw new ValidationError("notificationsPath", `must differ from basePath (${basePath})`);
  }
  const webhooksPath =
    options.webhooksPath === false
      ? false
      : parseInput(basePathSchema, options.webhooksPath ?? DEFAULT_WEBHOOKS_PATH, "webhooksPath");
  if (webhooksPath && (webhooksPath.startsWith(`${basePath}/`) || `${basePath}/`.startsWith(`${webhooksPath}/`))) {
    throw new ValidationError("webhooksPath", `must not be inside basePath (${basePath}) nor contain it`);
  }
  const numbers = parseInput(
    numbersSchema,
    {
      keepAliveMs: options.keepAliveMs ?? DEFAULTS.keepAliveMs,
      maxPendingEvents: options.maxPendingEvents ?? DEFAULTS.maxPendingEvents,
    },
    "options",
  );
  let auth: ResolvedAppOptions["auth"];
  if (options.resolveOwner) auth = { resolveOwner: options.resolveOwner };
  else {
    auth = { tokens: options.tokens ?? options.progress.backend.tokens };
  }
  return Object.freeze({
    progress: options.progress,
    basePath,
    notificationsPath,
    webhooksPath,
    auth,
    mcp: options.mcp,
    dashboardDir: options.dashboardDir ?? defaultDashboardDir(),
    ...numbers,
    limits: resolveLimits(options.limits),
    metrics: options.metrics ?? DEFAULTS.metrics,
    signal: options.signal,
    corsOrigins: Object.freeze([
      ...parseInput(z.object({ corsOrigins: corsOriginsSchema }), { corsOrigins: options.corsOrigins ?? [] }, "options")
        .corsOrigins,
    ]),
    sessionTtlMs: parseInput(sessionTtlSchema, options.sessionTtlMs ?? DEFAULTS.sessionTtlMs, "sessionTtlMs"),
    onError: options.onError ?? ((error: unknown) => console.error("[headway] server error:", error)),
  });
}
