/** Limits on what a run may hold; each error names the field and its limit. */
export const LIMITS = {
  ownerChars: 320,
  titleChars: 200,
  stepChars: 500,
  metadataBytes: 16 * 1024,
  idChars: 64,
  listLimitMax: 500,
  listLimitDefault: 50,
} as const satisfies Record<string, number>;
