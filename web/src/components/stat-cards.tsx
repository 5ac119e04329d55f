import type { AgentRun } from "../../../src/client/index.js";
import { runTone } from "./status-badge.js";

/** Four numbers above the list: what runs, what needs a person, what ended well or badly. */
export function StatCards({ runs, now }: { runs: AgentRun[]; now: number }) {
  const count = (test: (run: AgentRun) => boolean) => runs.filter(test).length;
  const cards = [
    { label: "Running", value: count((r) => r.status === "running"), tone: "running" },
    { label: "Needs attention", value: count((r) => runTone(r, now).tone === "attention"), tone: "attention" },
    { label: "Succeeded", value: count((r) => r.status === "succeeded"), tone: "succeeded" },
    { label: "Failed", value: count((r) => r.status === "failed"), tone: "failed" },
  ];
  return (
    <section className="stats" aria-label="Summary">
      {cards.map((card) => (
        <div key={card.label} className="stat" data-tone={card.tone}>
          <span className="stat-label">{card.label}</span>
          <span className="stat-value">{card.value}</span>
        </div>
      ))}
    </section>
  );
}
