import type { StatusComponentValue } from "./types.js";

/**
 * Text compared for duplicates: lower case, ellipses and punctuation
 * dropped, whitespace collapsed. Digits stay, so "Found 12" and "Found 13" differ.
 */
export function normaliseSummary(summary: string): string {
  return summary
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u2026]|\.{3}/g, " ")
    .replace(/[^\p{L}\p{N}%]+/gu, " ")
    .trim();
}

/** Whether `summary` repeats one of `recent` (normalised). */
export function isDuplicateSummary(summary: string, recent: readonly string[]): boolean {
  const text = normaliseSummary(summary);
  if (text === "") return true;
  return recent.some((previous) => normaliseSummary(previous) === text);
}

/** The numbers of an update by name: `percent` and `<type>.<key>` for each numeric detail. */
export function numbersOf(components: readonly StatusComponentValue[] | undefined, percent?: number) {
  const numbers = new Map<string, number>();
  if (percent !== undefined) numbers.set("percent", percent);
  for (const c of components ?? []) {
    for (const [key, value] of Object.entries(c.details ?? {})) {
      if (typeof value === "number" && Number.isFinite(value)) numbers.set(`${c.type}.${key}`, value);
    }
  }
  return numbers;
}

/** Names of the numbers present in both updates with the same value: they have not moved. */
export function stalledNumbers(previous: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): string[] {
  const stalled: string[] = [];
  for (const [name, value] of current) if (previous.get(name) === value) stalled.push(name);
  return stalled;
}

/** The percent an update gives: the first component with a finite `details.percent`, clamped and rounded. */
export function percentOf(components: readonly StatusComponentValue[] | undefined): number | undefined {
  for (const c of components ?? []) {
    const value = c.details?.percent;
    if (typeof value === "number" && Number.isFinite(value)) return Math.round(Math.min(100, Math.max(0, value)));
  }
  return undefined;
}

/** The sentence a stalled update carries, naming what has not moved. */
export function stallSentence(stalled: readonly string[], numbers: ReadonlyMap<string, number>): string {
  const described = stalled.map((name) => {
    const value = numbers.get(name);
    if (name === "percent") return `still at ${value}%`;
    const label = name.slice(name.indexOf(".") + 1).replace(/[_-]+/g, " ");
    return `${label} still ${value}`;
  });
  return `No change since the last update (${described.join(", ")}).`;
}
