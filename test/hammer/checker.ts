/**
 * The hammer checker: pure functions over what clients logged and what the
 * store holds afterwards. Each returns the violations it found (empty: the
 * history is fine); `describeViolations` turns them into a failure message
 * with counts and the first few examples.
 */

/** A merge of `{ [key]: value }` into a run that its caller saw acknowledged. */
export interface MergeAck {
  proc: string;
  runId: string;
  key: string;
  value: number;
}

export type AckViolation =
  | { kind: "lost-key"; proc: string; runId: string; key: string }
  | { kind: "wrong-value"; proc: string; runId: string; key: string; expected: number; found: unknown }
  | { kind: "lost-run"; runId: string; acks: number };

/** Every acknowledged key must be in its run's stored metadata, with its value. */
export function checkAcks(
  acks: Iterable<MergeAck>,
  stored: ReadonlyMap<string, { metadata: Record<string, unknown> } | null | undefined>,
): AckViolation[] {
  const violations: AckViolation[] = [];
  const lostRuns = new Map<string, number>();
  for (const ack of acks) {
    const run = stored.get(ack.runId);
    if (!run) {
      lostRuns.set(ack.runId, (lostRuns.get(ack.runId) ?? 0) + 1);
      continue;
    }
    if (!Object.hasOwn(run.metadata, ack.key)) {
      violations.push({ kind: "lost-key", proc: ack.proc, runId: ack.runId, key: ack.key });
    } else if (run.metadata[ack.key] !== ack.value) {
      const found = run.metadata[ack.key];
      violations.push({
        kind: "wrong-value",
        proc: ack.proc,
        runId: ack.runId,
        key: ack.key,
        expected: ack.value,
        found,
      });
    }
  }
  for (const [runId, count] of lostRuns) violations.push({ kind: "lost-run", runId, acks: count });
  return violations;
}

/** How one client's completion of one run ended. */
export interface CompletionAnswer {
  proc: string;
  runId: string;
  requested: string;
  /** acked: a run came back (with `status`); refused: null came back; error: it threw. */
  outcome: "acked" | "refused" | "error";
  status?: string;
}

export type CompletionViolation =
  /** Two callers were each told the run completed, with different statuses. */
  | { kind: "acked-twice"; runId: string; statuses: string[] }
  /** A caller got a run back whose status is not the one it asked for. */
  | { kind: "acked-other-status"; proc: string; runId: string; requested: string; status: string }
  /** The stored status is not the acknowledged one. */
  | { kind: "stored-differs"; runId: string; acked: string; stored: string | null }
  /** Every caller was refused, none failed, yet someone must have completed it. */
  | { kind: "refused-by-all"; runId: string; stored: string | null };

/**
 * At most one status is acknowledged per run, it is what is stored, and a
 * run every caller was refused on must not exist in a state nobody caused.
 */
export function checkCompletions(
  answers: Iterable<CompletionAnswer>,
  stored: ReadonlyMap<string, { status: string } | null | undefined>,
): CompletionViolation[] {
  const violations: CompletionViolation[] = [];
  const byRun = new Map<string, CompletionAnswer[]>();
  for (const answer of answers) {
    const list = byRun.get(answer.runId) ?? [];
    list.push(answer);
    byRun.set(answer.runId, list);
  }
  for (const [runId, list] of byRun) {
    const storedStatus = stored.get(runId)?.status ?? null;
    const acked = list.filter((answer) => answer.outcome === "acked");
    for (const answer of acked) {
      if (answer.status !== answer.requested) {
        const status = String(answer.status);
        violations.push({ kind: "acked-other-status", proc: answer.proc, runId, requested: answer.requested, status });
      }
    }
    const statuses = [...new Set(acked.map((answer) => answer.requested))];
    if (statuses.length > 1) violations.push({ kind: "acked-twice", runId, statuses });
    const ackedStatus = statuses[0];
    if (statuses.length === 1 && ackedStatus !== undefined && storedStatus !== ackedStatus) {
      violations.push({ kind: "stored-differs", runId, acked: ackedStatus, stored: storedStatus });
    }
    if (list.length > 1 && list.every((answer) => answer.outcome === "refused")) {
      violations.push({ kind: "refused-by-all", runId, stored: storedStatus });
    }
  }
  return violations;
}

/** One event as a subscriber received it, in arrival order. */
export interface SeenEvent {
  id: string;
  type: string;
  runId: string | null;
  version: number | null;
}

export type OrderViolation =
  | { kind: "bad-id"; position: number; id: string }
  | { kind: "repeated-id"; position: number; id: string; firstAt: number }
  | { kind: "out-of-order"; position: number; id: string; after: string }
  | { kind: "version-regress"; position: number; id: string; runId: string; version: number; after: number };

/** `<commitSeq>-<index>` as numbers; null when the id has another shape. */
export function parseEventId(id: string): [number, number] | null {
  const match = /^(\d{1,15})-(\d{1,9})$/.exec(id);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

function compareIds(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/**
 * One subscriber's log: ids well formed, strictly increasing by
 * (commitSeq, index), none repeated; per run, versions never go backwards.
 */
export function checkEventOrder(events: readonly SeenEvent[]): OrderViolation[] {
  const violations: OrderViolation[] = [];
  const firstSeen = new Map<string, number>();
  const lastVersion = new Map<string, number>();
  let previous: { id: string; parsed: [number, number] } | undefined;
  events.forEach((event, position) => {
    const parsed = parseEventId(event.id);
    if (!parsed) {
      violations.push({ kind: "bad-id", position, id: event.id });
    } else {
      const firstAt = firstSeen.get(event.id);
      if (firstAt !== undefined) {
        violations.push({ kind: "repeated-id", position, id: event.id, firstAt });
      } else if (previous && compareIds(parsed, previous.parsed) <= 0) {
        violations.push({ kind: "out-of-order", position, id: event.id, after: previous.id });
      }
      if (firstAt === undefined) firstSeen.set(event.id, position);
      previous = { id: event.id, parsed };
    }
    if (event.runId !== null && event.version !== null) {
      const after = lastVersion.get(event.runId);
      if (after !== undefined && event.version < after) {
        violations.push({
          kind: "version-regress",
          position,
          id: event.id,
          runId: event.runId,
          version: event.version,
          after,
        });
      }
      lastVersion.set(event.runId, Math.max(after ?? 0, event.version));
    }
  });
  return violations;
}

export type DeliveryViolation = {
  kind: "final-missing";
  runId: string;
  finalVersion: number;
  /** The newest version the subscriber saw of this run (null: none at all). */
  newestSeen: number | null;
};

/**
 * Every run's last stored version must have reached the subscriber, unless
 * it is the version the subscriber already read when it started listening
 * (`known`: the state nobody owes it an event for).
 */
export function checkFinalStatesDelivered(
  events: readonly SeenEvent[],
  finals: ReadonlyMap<string, number>,
  known: ReadonlyMap<string, number> = new Map(),
): DeliveryViolation[] {
  const seen = new Map<string, Set<number>>();
  for (const event of events) {
    if (event.runId === null || event.version === null) continue;
    const versions = seen.get(event.runId) ?? new Set<number>();
    versions.add(event.version);
    seen.set(event.runId, versions);
  }
  const violations: DeliveryViolation[] = [];
  for (const [runId, finalVersion] of finals) {
    if (known.get(runId) === finalVersion) continue;
    const versions = seen.get(runId);
    if (versions?.has(finalVersion)) continue;
    const newestSeen = versions && versions.size > 0 ? Math.max(...versions) : null;
    violations.push({ kind: "final-missing", runId, finalVersion, newestSeen });
  }
  return violations;
}

/** Runs whose final version the subscriber has not seen yet (for polling until it catches up). */
export function undelivered(
  events: readonly SeenEvent[],
  finals: ReadonlyMap<string, number>,
  known?: ReadonlyMap<string, number>,
): number {
  return checkFinalStatesDelivered(events, finals, known).length;
}

type AnyViolation = AckViolation | CompletionViolation | OrderViolation | DeliveryViolation;

/**
 * "lost-key ×87 (in 12 runs; by p0: 50, p1: 37)" lines, then the first
 * `examples` violations as JSON. Empty string when there are none.
 */
export function describeViolations(violations: readonly AnyViolation[], examples = 5): string {
  if (violations.length === 0) return "";
  const byKind = new Map<string, AnyViolation[]>();
  for (const violation of violations) {
    const list = byKind.get(violation.kind) ?? [];
    list.push(violation);
    byKind.set(violation.kind, list);
  }
  const lines: string[] = [];
  for (const [kind, list] of byKind) {
    const runs = new Set(list.map((violation) => ("runId" in violation ? violation.runId : "")).filter(Boolean));
    const procs = new Map<string, number>();
    for (const violation of list) {
      if ("proc" in violation) procs.set(violation.proc, (procs.get(violation.proc) ?? 0) + 1);
    }
    const byProc = procs.size > 0 ? `; by ${[...procs].map(([proc, n]) => `${proc}: ${n}`).join(", ")}` : "";
    const inRuns = runs.size > 0 ? ` (in ${runs.size} runs${byProc})` : byProc ? ` (${byProc.slice(2)})` : "";
    lines.push(`${kind} ×${list.length}${inRuns}`);
    for (const violation of list.slice(0, examples)) lines.push(`  e.g. ${JSON.stringify(violation)}`);
  }
  return lines.join("\n");
}
