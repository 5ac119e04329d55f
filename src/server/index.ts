/**
 * The Headway server: the owner-scoped runs API, the live stream (SSE), the
 * MCP endpoint, metrics and the dashboard, as a Hono app to mount or a Node
 * server to start.
 * @module
 */

export { createHeadwayApp } from "./app.js";
export type { AppEnv } from "./app-env.js";
export { type DemoOptions, type RunningDemo, startDemo } from "./demo.js";
export { type ErrorBody, HttpError } from "./http-error.js";
export {
  DEFAULT_BASE_PATH,
  DEFAULT_NOTIFICATIONS_PATH,
  DEFAULT_WEBHOOKS_PATH,
  type HeadwayAppOptions,
  type McpHandler,
  type ResolveOwner,
} from "./options.js";
export { tuneProcessForServing } from "./process-tuning.js";
export type { RunPage } from "./runs-routes.js";
export { formatSseComment, formatSseMessage, type SseMessage } from "./sse/sse-writer.js";
export { DEFAULT_PORT, type RunningServer, type StartServerOptions, startServer } from "./start-server.js";
export {
  type AttemptInfo,
  type CreateWebhookDispatcherOptions,
  createWebhookDispatcher,
  WEBHOOK_CURSOR,
  WebhookDispatcher,
  type WebhookDispatcherEventMap,
} from "./webhooks/dispatcher.js";
export type { WebhookDispatcherOptions, WebhookRetryOptions } from "./webhooks/dispatcher-options.js";
export type { DeliveryPage, EndpointWithCounts } from "./webhooks/webhooks-routes.js";
