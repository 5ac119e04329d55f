import type { AutomationStateStore, RuleCheck, RuleEpisode } from "../store/index.js";

/**
 * What this process last knew of a `repeat: true` rule for one run. A cache in
 * front of the shared episode store: only rises and falls read or write it.
 */
export interface EpisodeView extends RuleCheck {
  matching: boolean;
  episode: number;
  /** The latest check this process saw not matching, to tell a new episode from one still going. */
  lastFalse: RuleCheck | null;
}

/** Whether check `a` is later than `b`: a later version, or the same version looked at later. */
export function isLater(a: RuleCheck, b: RuleCheck): boolean {
  return a.version > b.version || (a.version === b.version && a.checkedAt > b.checkedAt);
}

/** What a look at a run asks for: nothing, or a notification for episode `episode` (its dedupe key names it). */
export type EpisodeStep = { view: EpisodeView; fire: number | null };

/**
 * One look at a repeat rule for one run: `matching` at `check`. Processes agree
 * on episode numbers through the store, so each episode has one dedupe key:
 * - a look older than what this process already saw changes nothing;
 * - not matching: the store records the fall (once per fall, from this process);
 * - matching while this process saw it matching: nothing;
 * - otherwise a rise as this process sees it: an episode the store says is still
 *   going (begun after the last fall seen here) is that episode; else the next
 *   one begins, unless another process recorded a later look. The firing of an
 *   episode another process began is asked for too: its key makes it a no-op
 *   when it was delivered, and delivers it when that process died first.
 */
export async function stepEpisode(
  store: AutomationStateStore,
  ids: { automationId: string; runId: string },
  view: EpisodeView | undefined,
  matching: boolean,
  check: RuleCheck,
  now: number,
): Promise<EpisodeStep | null> {
  const { automationId, runId } = ids;
  if (view && isLater(view, check)) return null;
  const lastFalse = view?.lastFalse ?? null;
  if (!matching) {
    if (view?.matching !== true && view !== undefined) {
      return { view: { ...view, ...check, lastFalse: check }, fire: null };
    }
    await store.end(automationId, runId, check, now);
    return { view: { matching: false, episode: view?.episode ?? 0, ...check, lastFalse: check }, fire: null };
  }
  if (view?.matching) return { view: { ...view, ...check }, fire: null };

  let row = await store.get(automationId, runId);
  if (row && isLater(row, check)) return { view: fromRow(row, lastFalse), fire: null };
  if (!(row?.matching && (lastFalse === null || isLater(row, lastFalse)))) {
    const episode = (row?.episode ?? 0) + 1;
    if (await store.begin(automationId, runId, episode, check, now)) {
      return { view: { matching: true, episode, ...check, lastFalse }, fire: episode };
    }
    // Another process began it first, or knew of a later look.
    row = await store.get(automationId, runId);
    if (!row?.matching) return row ? { view: fromRow(row, lastFalse), fire: null } : null;
  }
  return { view: { matching: true, episode: row.episode, ...check, lastFalse }, fire: row.episode };
}

function fromRow(row: RuleEpisode, lastFalse: RuleCheck | null): EpisodeView {
  return { matching: row.matching, episode: row.episode, version: row.version, checkedAt: row.checkedAt, lastFalse };
}
