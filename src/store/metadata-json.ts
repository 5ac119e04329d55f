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
