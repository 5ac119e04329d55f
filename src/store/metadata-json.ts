/**
 * Metadata objects are never mutated (every change makes a new one), so the
 * JSON text a row was read from, or was last written as, can be reused: every
 * backend stores metadata as that text.
 */
const jsonOf = new WeakMap<object, string>();

/** The JSON text of `metadata`, computed once per object. */
export function metadataJson(metadata: Record<string, unknown>): string {
  let text = jsonOf.get(metadata);
  if (text === undefined) {
    text = JSON.stringify(metadata);
    jsonOf.set(metadata, text);
  }
  return text;
}

/** Parses stored metadata, remembering the text it came from. */
export function parseMetadata(text: string): Record<string, unknown> {
  const metadata = JSON.parse(text) as Record<string, unknown>;
  jsonOf.set(metadata, text);
  return metadata;
}

/** `{...}` of `head` (an object's JSON text) with `"key":json` added last. */
function withField(head: string, key: string, json: string): string {
  return head === "{}" ? `{"${key}":${json}}` : `${head.slice(0, -1)},"${key}":${json}}`;
}

/**
 * The JSON text of a run (or anything with `metadata`), with its metadata's
 * stored text spliced in rather than serialized again: for a run read from
 * the store that text is at hand, and re-escaping 15 KB of metadata per run
 * was most of a snapshot page's cost. Same value as `JSON.stringify(run)`,
 * with `metadata` last.
 */
export function runJson<Run extends { metadata: Record<string, unknown> }>(run: Run): string {
  const { metadata, ...rest } = run;
  if (metadata === null || typeof metadata !== "object") return JSON.stringify(run);
  return withField(JSON.stringify(rest), "metadata", metadataJson(metadata));
}

/** The JSON text of an event, its run (if any) as `runJson` gives it: same value as `JSON.stringify(event)`. */
export function eventJson<Event extends { run?: { metadata: Record<string, unknown> } | null }>(event: Event): string {
  const { run, ...rest } = event;
  if (!run) return JSON.stringify(event);
  return withField(JSON.stringify(rest), "run", runJson(run));
}
