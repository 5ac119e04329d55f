/** "45s", "3m 07s", "2h 05m": how long something took or has left, for people. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** Time since the run started, up to its end when it ended. */
export function elapsedMs(run: { createdAt: string; completedAt: string | null }, now: number): number {
  const end = run.completedAt ? Date.parse(run.completedAt) : now;
  return Math.max(0, end - Date.parse(run.createdAt));
}
