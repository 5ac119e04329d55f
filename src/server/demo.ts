import { setTimeout as sleep } from "node:timers/promises";
import { type Progress, type RunHandle, withRun } from "../progress/index.js";

export interface DemoOptions {
  /** Whose runs the simulated agent makes: the owner of the dashboard URL. */
  owner: string;
  /** 2 runs everything twice as fast. (Default: 1) */
  speed?: number;
  /** Pause before a finished scenario starts over, in ms at speed 1. (Default: 4000) */
  restartDelayMs?: number;
}

export interface RunningDemo {
  /** Stops the agent; runs still going end as cancelled, none is left running. */
  stop(): Promise<void>;
}

interface ScenarioContext {
  progress: Progress;
  owner: string;
  /** Fires when the demo stops: withRun then completes the run as cancelled. */
  signal: AbortSignal;
  /** Sleeps, scaled by speed; rejects when the demo stops or the run is cancelled. */
  wait: (ms: number, run?: RunHandle) => Promise<void>;
}

type Scenario = (ctx: ScenarioContext) => Promise<void>;

const SUBJECTS = [
  "Re: Q3 budget review",
  "Invoice #4471 overdue",
  "Team offsite: pick a date",
  "Your flight to Lisbon is confirmed",
  "Security alert: new sign-in",
  "Draft: partnership proposal",
  "Weekly metrics digest",
  "Candidate feedback: senior engineer",
];

const triageEmails: Scenario = ({ progress, owner, signal, wait }) =>
  withRun(
    {
      progress,
      owner,
      signal,
      title: "Triage 128 unread emails",
      step: "Fetching inbox",
      state: "tool_running",
      metadata: { tool: "mail.search" },
    },
    async (run) => {
      await wait(1200, run);
      for (let i = 1; i <= 128; i++) {
        await wait(150 + Math.random() * 250, run);
        const subject = SUBJECTS[i % SUBJECTS.length];
        await run.update({ percent: (i / 128) * 100, step: `Triaging "${subject}" (${i}/128)`, state: "streaming" });
      }
      await run.update({ step: "Filed 97, flagged 9 for you, drafted 22 replies" });
    },
  );

const BATCHES = ["contracts", "invoices", "support tickets", "research notes"];

const classifyDocuments: Scenario = ({ progress, owner, signal, wait }) =>
  withRun(
    {
      progress,
      owner,
      signal,
      title: "Classify 200 documents",
      step: "Splitting into 4 batches for sub-agents",
      state: "preparing",
    },
    async (parent) => {
      await wait(1500, parent);
      await parent.update({ step: "4 sub-agents classifying", state: "tool_running" });
      // The parent sets no percent of its own: it shows the weighted mean of its children.
      await Promise.all(
        BATCHES.map((kind, b) =>
          withRun(
            {
              progress,
              owner,
              parentId: parent.id,
              title: `Classify 50 ${kind}`,
              metadata: { weight: 1 },
              signal: AbortSignal.any([signal, parent.signal]),
            },
            async (child) => {
              for (let i = 1; i <= 50; i++) {
                await wait(200 + b * 120 + Math.random() * 200, child);
                await child.step(i, 50, `Labelling ${kind}`);
              }
            },
          ),
        ),
      );
      await parent.update({ step: "Merging labels into the index", state: "tool_running" });
      await wait(1500, parent);
    },
  );

const syncCalendars: Scenario = ({ progress, owner, signal, wait }) =>
  withRun(
    { progress, owner, signal, title: "Sync 3 calendars", step: "Connecting to the calendar API" },
    async (run) => {
      for (let i = 1; i <= 12; i++) {
        await wait(450, run);
        await run.update({ percent: i * 5, step: `Copied ${i * 14} of 420 events` });
      }
      for (let attempt = 1; attempt <= 3; attempt++) {
        await run.update({ state: "retrying", step: `Calendar API returned 503; retrying (${attempt}/3)` });
        await wait(1500, run);
      }
      throw new Error("Calendar API returned 503 Service Unavailable after 3 retries");
    },
  );

const draftReplies: Scenario = ({ progress, owner, signal, wait }) =>
  withRun(
    { progress, owner, signal, title: "Draft replies to 5 customer escalations", state: "streaming" },
    async (run) => {
      for (let i = 1; i <= 5; i++) {
        await wait(900, run);
        await run.update({ percent: i * 16, step: `Drafted reply ${i} of 5` });
      }
      await run.update({ state: "action_required", step: "Waiting for your approval to send 5 drafts" });
      await wait(25_000, run);
      await run.update({ state: "tool_running", step: "Approved (simulated): sending", percent: 90 });
      await wait(1500, run);
    },
  );

const SCENARIOS = [triageEmails, classifyDocuments, syncCalendars, draftReplies];

/**
 * A simulated agent for `headway serve --demo`: a few realistic runs that
 * move, finish, fail and wait for input, started over as they end, so a new
 * user sees live progress at once. Cancelling a run from the UI stops it.
 */
export function startDemo(progress: Progress, options: DemoOptions): RunningDemo {
  const speed = options.speed ?? 1;
  const restartDelayMs = options.restartDelayMs ?? 4000;
  const stopper = new AbortController();
  const wait = (ms: number, run?: RunHandle) =>
    sleep(ms / speed, undefined, { signal: run ? AbortSignal.any([stopper.signal, run.signal]) : stopper.signal });
  const loops = SCENARIOS.map(async (scenario, index) => {
    await wait(index * 800).catch(() => {});
    while (!stopper.signal.aborted) {
      // A failed or cancelled scenario is part of the show; its run already says what happened.
      await scenario({ progress, owner: options.owner, signal: stopper.signal, wait }).catch(() => {});
      await wait(restartDelayMs).catch(() => {});
    }
  });
  return {
    async stop() {
      stopper.abort();
      await Promise.all(loops);
    },
  };
}
