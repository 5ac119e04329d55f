import type { AgentRun } from "../../../src/client/index.js";
import { attentionOf, stateLabel } from "../../../src/react/index.js";

export type Tone = "running" | "succeeded" | "failed" | "cancelled" | "attention";

/** The one word a person scans for, with a colour that only shouts when something needs them. */
export function runTone(run: AgentRun, now: number): { tone: Tone; label: string } {
  // The server's attention (its watchdog decides "stale"); worked out here only for an older server's runs.
  const attention = attentionOf(run, now);
  const label = stateLabel(run, attention);
  if (run.status === "running") return { tone: attention ? "attention" : "running", label };
  return { tone: run.status, label };
}

export function StatusBadge({ run, now }: { run: AgentRun; now: number }) {
  const { tone, label } = runTone(run, now);
  return (
    <span className="badge" data-tone={tone}>
      <span className="badge-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
