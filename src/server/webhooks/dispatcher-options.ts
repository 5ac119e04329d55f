import { z } from "zod";
import { parseInput, ValidationError } from "../../core/index.js";

export interface WebhookRetryOptions {
  /** Attempts in all, the first included, before a delivery is dead. (Default: 8) */
  maxAttempts?: number;
  /** The wait after the first failed attempt, in ms; each later wait is `factor` times the one before. (Default: 30000) */
  baseDelayMs?: number;
  /** (Default: 2) */
  factor?: number;
  /** The longest wait between two attempts, in ms; a receiver's `Retry-After` is honoured up to it. (Default: 1 hour) */
  maxDelayMs?: number;
  /** Each wait varies by up to this fraction either way, so many failed deliveries do not retry in step. (Default: 0.2) */
  jitter?: number;
}

export interface WebhookDispatcherOptions {
  retry?: WebhookRetryOptions;
  /** How long one attempt may take, connecting and answering, in ms; longer is a failure. (Default: 10000) */
  timeoutMs?: number;
  /** Attempts in flight at once in this process. (Default: 8) */
  concurrency?: number;
  /**
   * How long a claimed delivery stays with this process, in ms: if the process
   * dies mid-attempt, another one takes it after this. Must exceed `timeoutMs`.
   * (Default: the larger of 60000 and three times `timeoutMs`)
   */
  leaseMs?: number;
  /** How often to look for due retries and others' commits without being woken, in ms. (Default: 1000) */
  pollIntervalMs?: number;
  /** Commits turned into deliveries per transaction. (Default: 64) */
  pageSize?: number;
  /**
   * Commits arriving within this long are turned into deliveries together,
   * in ms: a busy database costs one outbox transaction per interval, not
   * one per commit. (Default: 50)
   */
  batchDelayMs?: number;
  /** How long delivered deliveries are kept, in ms. (Default: 3 days) */
  deliveredRetentionMs?: number;
  /** How long dead deliveries are kept for replay, in ms. (Default: 30 days) */
  deadRetentionMs?: number;
  /** How often old deliveries are swept, in ms; 0 turns the sweep off. (Default: 1 hour) */
  sweepIntervalMs?: number;
  /** How long `close()` lets attempts in flight finish before aborting them, in ms. (Default: 5000) */
  shutdownGraceMs?: number;
  clock?: () => number;
  /** Jitter's randomness, in [0, 1). (Default: Math.random) */
  random?: () => number;
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

const DEFAULTS = {
  retry: { maxAttempts: 8, baseDelayMs: 30_000, factor: 2, maxDelayMs: HOUR, jitter: 0.2 },
  timeoutMs: 10_000,
  concurrency: 8,
  pollIntervalMs: 1000,
  pageSize: 64,
  batchDelayMs: 50,
  deliveredRetentionMs: 3 * DAY,
  deadRetentionMs: 30 * DAY,
  sweepIntervalMs: HOUR,
  shutdownGraceMs: 5000,
} as const satisfies Omit<WebhookDispatcherOptions, "retry"> & { retry: Required<WebhookRetryOptions> };

export type ResolvedRetry = Readonly<Required<WebhookRetryOptions>>;

export interface ResolvedDispatcherOptions {
  readonly retry: ResolvedRetry;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly pageSize: number;
  readonly batchDelayMs: number;
  readonly deliveredRetentionMs: number;
  readonly deadRetentionMs: number;
  readonly sweepIntervalMs: number;
  readonly shutdownGraceMs: number;
  readonly clock: () => number;
  readonly random: () => number;
}

const ms = (min: number) =>
  z
    .number({ error: "must be a number of milliseconds" })
    .int({ error: "must be a whole number of milliseconds" })
    .min(min, { error: `must be at least ${min}` });

const schema = z.object({
  retry: z.object({
    maxAttempts: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).max(100, {
      error: "must be at most 100",
    }),
    baseDelayMs: ms(1),
    factor: z.number({ error: "must be a number" }).min(1, { error: "must be at least 1" }),
    maxDelayMs: ms(1),
    jitter: z.number({ error: "must be a number" }).min(0, { error: "must be at least 0" }).max(1, {
      error: "must be at most 1",
    }),
  }),
  timeoutMs: ms(1),
  concurrency: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }),
  leaseMs: ms(1),
  pollIntervalMs: ms(1),
  pageSize: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }),
  batchDelayMs: ms(0),
  deliveredRetentionMs: ms(0),
  deadRetentionMs: ms(0),
  sweepIntervalMs: ms(0),
  shutdownGraceMs: ms(0),
});

/** Defaults filled in, checked (a ValidationError names the option) and frozen once. */
export function resolveDispatcherOptions(options: WebhookDispatcherOptions = {}): ResolvedDispatcherOptions {
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const numbers = parseInput(
    schema,
    {
      retry: { ...DEFAULTS.retry, ...options.retry },
      timeoutMs,
      concurrency: options.concurrency ?? DEFAULTS.concurrency,
      leaseMs: options.leaseMs ?? Math.max(60_000, 3 * timeoutMs),
      pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      pageSize: options.pageSize ?? DEFAULTS.pageSize,
      batchDelayMs: options.batchDelayMs ?? DEFAULTS.batchDelayMs,
      deliveredRetentionMs: options.deliveredRetentionMs ?? DEFAULTS.deliveredRetentionMs,
      deadRetentionMs: options.deadRetentionMs ?? DEFAULTS.deadRetentionMs,
      sweepIntervalMs: options.sweepIntervalMs ?? DEFAULTS.sweepIntervalMs,
      shutdownGraceMs: options.shutdownGraceMs ?? DEFAULTS.shutdownGraceMs,
    },
    "webhooks",
  );
  if (numbers.leaseMs <= numbers.timeoutMs) {
    throw new ValidationError(
      "leaseMs",
      `must exceed timeoutMs (${numbers.timeoutMs}): a lease must outlast an attempt`,
    );
  }
  return Object.freeze({
    ...numbers,
    retry: Object.freeze(numbers.retry),
    clock: options.clock ?? Date.now,
    random: options.random ?? Math.random,
  });
}

/**
 * The wait before the next attempt after `attempts` failed ones:
 * `baseDelayMs × factor^(attempts − 1)`, at most `maxDelayMs`, varied by
 * `jitter`; never shorter than the receiver's `Retry-After`, within `maxDelayMs`.
 */
export function retryDelayMs(
  attempts: number,
  retry: ResolvedRetry,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * retry.factor ** Math.max(0, attempts - 1));
  const jittered = exponential * (1 + retry.jitter * (2 * random() - 1));
  return Math.round(Math.min(retry.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0)));
}
