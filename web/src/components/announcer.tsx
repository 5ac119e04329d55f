import { useEffect, useRef, useState } from "react";
import type { AgentRun } from "../../../src/client/index.js";

type Seen = { status: AgentRun["status"]; waiting: boolean };

/**
 * Says out loud, through live regions, when a run fails or starts waiting for
 * a person, and keeps the tab's title on the count of running runs (or of
 * those waiting for a person). Runs already in that state when the page loads are not announced:
 * only what changes while someone is looking.
 */
export function Announcer({ runs, ready }: { runs: AgentRun[]; ready: boolean }) {
  const seen = useRef<Map<string, Seen> | null>(null);
  const [failure, setFailure] = useState("");
  const [notice, setNotice] = useState("");

  useEffect(() => {
    if (!ready) return;
    const previous = seen.current;
    const next = new Map<string, Seen>();
    const failed: string[] = [];
    const waiting: string[] = [];
    for (const run of runs) {
      const now: Seen = { status: run.status, waiting: run.status === "running" && run.state === "action_required" };
      next.set(run.id, now);
      if (!previous) continue;
      const before = previous.get(run.id);
      if (now.status === "failed" && before?.status !== "failed") {
        failed.push(run.step ? `${run.title} failed: ${run.step}` : `${run.title} failed.`);
      }
      if (now.waiting && !before?.waiting) waiting.push(`${run.title} needs you.`);
    }
    seen.current = next;
    if (failed.length > 0) setFailure(failed.join(" "));
    if (waiting.length > 0) setNotice(waiting.join(" "));
  }, [runs, ready]);

  // The tab's title says what is going on while the tab is in the background.
  const running = runs.filter((run) => run.status === "running" && !run.parentId).length;
  const waiting = runs.filter((run) => run.status === "running" && run.state === "action_required").length;
  useEffect(() => {
    document.title =
      waiting > 0 ? `(${waiting}) Needs you · Headway` : running > 0 ? `(${running}) Headway` : "Headway";
  }, [running, waiting]);

  return (
    <>
      <div className="visually-hidden" aria-live="assertive" aria-atomic="true" data-testid="announce-failure">
        {failure}
      </div>
      <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="announce-notice">
        {notice}
      </div>
    </>
  );
}
