import type { Notification } from "./notification.js";
import type { AgentRun, RunStatus } from "./types.js";

/** Payload of each event type, one typed map for the bus, SSE, automations and webhooks. */
export interface EventPayloads {
  "run.progress.started": { runId: string; title: string; step?: string | null };
  "run.progress.updated": { runId: string; percent: number | null; step: string | null; status: RunStatus };
  "run.deleted": { runId: string };
  "run.status.update": { runId: string; summary: string; source: "model" | "offline"; components?: unknown[] };
  "notification.created": Notification;
}

export type EventType = keyof EventPayloads;

export interface EventEnvelope<K extends EventType = EventType> {
  /** Orders events across the store: `<commit sequence>-<index>`; opaque to callers but for resume. */
  id: string;
  type: K;
  owner: string;
  at: string;
  /** The full run after the change, so subscribers never re-read. Absent on deletion. */
  run?: AgentRun;
  payload: EventPayloads[K];
}

/** Any event, discriminated by `type`. */
export type HeadwayEvent = { [K in EventType]: EventEnvelope<K> }[EventType];

export function formatEventId(commitSeq: number, index: number): string {
  return `${commitSeq}-${index}`;
}

/** The commit sequence of an event id, or null when the id is not one of ours. */
export function parseEventId(id: string): { commitSeq: number; index: number } | null {
  const match = /^(\d{1,15})-(\d{1,9})$/.exec(id);
  if (!match) return null;
  return { commitSeq: Number(match[1]), index: Number(match[2]) };
}

/** The run an event is about (its own run's id), or undefined for events about no run (notifications). */
export function eventRunId(event: HeadwayEvent): string | undefined {
  if (event.type === "notification.created") return undefined;
  return event.run?.id ?? event.payload.runId;
}
