import type { AgentRun } from "../../src/core/types.js";

export const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
export const MINUTE = 60_000;

/** A running run started at T0, with overrides. (Cast: the core type grows fields while others work on it.) */
export function makeRun(overrides: Partial<AgentRun> = {}): AgentRun {
  const at = new Date(T0).toISOString();
  return {
    id: "run-1",
    owner: "alice@example.com",
    title: "Triage 128 unread emails",
    step: "Classifying 90/200",
    percent: 45,
    status: "running",
    state: "tool_running",
    metadata: {},
    parentId: null,
    cancelRequested: false,
    etaMs: null,
    createdAt: at,
    startedAt: at,
    updatedAt: at,
    completedAt: null,
    heartbeatAt: at,
    diagnostics: {
      submitToStatusMs: null,
      submitToFirstEventMs: null,
      submitToFirstTextMs: null,
      firstTextToPaintMs: null,
      lastEventAgeMs: null,
    },
    version: 3,
    ...overrides,
  } as AgentRun;
}

/** The automation file of the seed (design §9), verbatim. */
export const SEED = `---
triggerType: event
event: run.progress.updated
condition: "status is running and (now - started) > 5 minutes"
mode: agentic
---
Notify me that run {{runId}} has been running for a long time.
`;
