/**
 * Receiving Headway webhooks: `verifyWebhook` checks a delivery's signature
 * and age and returns its event. Needs only `node:crypto`.
 * @module
 */
export type { EventType, HeadwayEvent } from "../core/events.js";
export type { AgentRun } from "../core/types.js";
export {
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  WEBHOOK_HEADERS,
  type WebhookHeaders,
  type WebhookVerificationCode,
  WebhookVerificationError,
} from "./signature.js";
