/**
 * Runs as "nothing changed" comparisons want them: every `diagnostics.lastEventAgeMs`
 * (the one field a read works out on the clock, so two reads of one version differ in it) left out.
 * Walks arrays and plain objects; returns copies.
 */
export function withoutReadTime<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutReadTime) as T;
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === "diagnostics" && typeof field === "object" && field !== null) {
      const { lastEventAgeMs: _, ...rest } = field as Record<string, unknown>;
      copy[key] = rest;
    } else copy[key] = withoutReadTime(field);
  }
  return copy as T;
}
