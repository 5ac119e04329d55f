import { type EtaView, formatDuration } from "../../src/react/index.js";

export { elapsedMs, etaLabel, formatDuration, formatEta } from "../../src/react/index.js";

/** "just now", "4m ago", "3h ago", then the date. */
export function timeAgo(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (ms < 10_000) return "just now";
  if (ms < 86_400_000) return `${formatDuration(ms).split(" ")[0]} ago`;
  return new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

const HIDDEN: Record<Extract<EtaView, { kind: "hidden" }>["reason"], string> = {
  ended: "none",
  stale: "unknown while it is silent",
  waiting: "waiting for you",
  retrying: "unknown while it retries",
  unknown: "estimating…",
};

/** The value beside a "Time left" label: "about 16s", "almost done", "No progress for 2m", or why there is none. */
export function timeLeft(view: EtaView): string {
  return view.kind === "hidden" ? HIDDEN[view.reason] : view.text.replace(/ left$/, "");
}
