import { z } from "zod";
import { parseInput } from "../../core/index.js";

/**
 * What one client may cost the server. Every limit answers with a JSON error
 * (`{ error: { code, message } }`): 413 for a body, 429 with `Retry-After`
 * for the rest. See docs/reliability.md.
 */
export interface LimitsOptions {
  /** Largest request body on any route, in bytes; larger is a 413. (Default: 1048576, 1 MiB) */
  maxBodyBytes?: number;
  /** Open streams one owner may hold at once; one more is a 429. (Default: 100) */
  maxStreamsPerOwner?: number;
  /** Requests per second one credential (bearer token, or owner under `resolveOwner`) may sustain. (Default: 100) */
  requestsPerSecond?: number;
  /** Requests one credential may make in a burst above that rate. (Default: 200) */
  requestBurst?: number;
  /**
   * Failed authentications (refused tokens or session cookies; every 401 under
   * `resolveOwner`) per second one client address may sustain before it gets 429s. (Default: 5)
   */
  authFailuresPerSecond?: number;
  /** Failed authentications one client address may make in a burst. (Default: 20) */
  authFailureBurst?: number;
  /**
   * Bytes a stream client may leave unread: its queued frames plus what the
   * socket holds unflushed. Past it the queue is dropped and the client is
   * re-synced from the store once it reads again. (Default: 1048576, 1 MiB)
   */
  streamBufferBytes?: number;
  /** How often open streams' credentials are checked again; a revoked one ends its streams. (Default: 500 ms) */
  reauthIntervalMs?: number;
}

export type ResolvedLimits = Readonly<Required<LimitsOptions>>;

export const DEFAULT_LIMITS = {
  maxBodyBytes: 1024 * 1024,
  maxStreamsPerOwner: 100,
  requestsPerSecond: 100,
  requestBurst: 200,
  authFailuresPerSecond: 5,
  authFailureBurst: 20,
  streamBufferBytes: 1024 * 1024,
  reauthIntervalMs: 500,
} as const satisfies ResolvedLimits;

const positiveInt = z.number({ error: "must be a number" }).int({ error: "must be a whole number" }).min(1, {
  error: "must be at least 1",
});
const positive = z.number({ error: "must be a number" }).positive({ error: "must be more than 0" });

const limitsSchema = z.strictObject({
  maxBodyBytes: positiveInt,
  maxStreamsPerOwner: positiveInt,
  requestsPerSecond: positive,
  requestBurst: positiveInt,
  authFailuresPerSecond: positive,
  authFailureBurst: positiveInt,
  streamBufferBytes: positiveInt.min(1024, { error: "must be at least 1024 bytes" }),
  reauthIntervalMs: positiveInt.min(10, { error: "must be at least 10 ms" }),
});

/** Defaults filled in, checked (an unknown key is an error) and frozen. */
export function resolveLimits(options: LimitsOptions = {}): ResolvedLimits {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return Object.freeze(parseInput(limitsSchema, { ...DEFAULT_LIMITS, ...defined }, "limits"));
}
