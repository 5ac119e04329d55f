import { formatDuration } from "../../src/react/index.js";

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

/** The value beside a "Time left" label: "about 16s", "almost done", "waiting for you", or null. */
export function timeLeft(label: string | null): string | null {
  return label?.replace(/ left$/, "") ?? null;
}
