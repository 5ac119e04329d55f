/**
 * Which Redis client BullMQ uses in the benchmarks: ioredis (its usual one,
 * an optional peer dependency) when it is installed, else the bench's own
 * small RESP client (bench/resp-client.ts), installed as BullMQ's client
 * factory. Call before creating any Queue or QueueEvents.
 */
import { createRequire } from "node:module";
import { type IRedisClient, RedisConnection } from "bullmq";
import { RespClient } from "./resp-client.js";

export function chooseRedisClient(): string {
  try {
    createRequire(import.meta.url).resolve("ioredis");
    return "ioredis";
  } catch {
    RedisConnection.clientFactory = (options) => new RespClient(options) as unknown as IRedisClient;
    return "bench/resp-client.ts (a minimal RESP client: ioredis, BullMQ's optional peer, is not installed)";
  }
}
