/**
 * Checks on text. A lone UTF-16 surrogate cannot be encoded as UTF-8: the
 * store would turn it into U+FFFD and read back something other than what
 * was written, so it is refused at the door.
 */

// Without the `u` flag a regex sees UTF-16 code units: a high surrogate not
// followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 controls and DEL; identities (owners) never contain them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001F\u007F]/;

/** The index of the first lone surrogate in `text`, or -1 when it is valid Unicode. */
export function loneSurrogateIndex(text: string): number {
  const match = LONE_SURROGATE.exec(text);
  return match ? match.index : -1;
}

/** The message for a string that is not valid Unicode, or undefined when it is. */
export function unicodeProblem(text: string): string | undefined {
  const index = loneSurrogateIndex(text);
  return index < 0 ? undefined : `must be valid Unicode (lone surrogate at index ${index})`;
}

/** The index of the first control character (U+0000–U+001F, U+007F), or -1. */
export function controlCharacterIndex(text: string): number {
  const match = CONTROL.exec(text);
  return match ? match.index : -1;
}

/**
 * `text` cut to at most `max` UTF-16 units, ending in `ellipsis` when cut,
 * never between the two halves of a surrogate pair (a half would be a lone
 * surrogate, which writes refuse). Use it wherever text is clipped to a limit.
 */
export function clipText(text: string, max: number, ellipsis = ""): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ellipsis.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + ellipsis;
}
