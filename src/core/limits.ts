/** Limits on what a run may hold; each error names the field and its limit. */
export const LIMITS = {
  ownerChars: 320,
  titleChars: 200,
  stepChars: 500,
  metadataBytes: 16 * 1024,
  /** Containers nested in metadata, the metadata object itself being level 1. */
  metadataDepth: 32,
  /** Largest `metadata.weight` a child may carry in its parent's roll-up. */
  weightMax: 1_000_000,
  idChars: 64,
  listLimitMax: 500,
  listLimitDefault: 50,
  notificationBodyChars: 2000,
  /** A notification's `source` ("rule:run-failed", "automation:slow-runs", "api"). */
  notificationSourceChars: 200,
  /** A key that makes a notification happen at most once (an automation's firing). */
  dedupeKeyChars: 400,
  /** Largest diagnostic a client may report, in ms: 7 days. */
  diagnosticMsMax: 7 * 24 * 60 * 60 * 1000,
} as const satisfies Record<string, number>;
