import type { StatusComponentValue, StatusUpdate } from "./types.js";

/** The `data-operation` part's data, as the design fixes it. */
export interface StatusOperationData {
  type: "status_update";
  ctx: { summary: string; components: StatusComponentValue[] };
}

/** The `data-status` part's data: the latest update of one run, replaced in place by the client. */
export interface StatusPartData {
  runId: string;
  summary: string;
  components: StatusComponentValue[];
  percent: number | null;
  source: "model" | "offline";
  at: number;
}

/** Data parts of a UI message that carries status updates, for `UIMessage<unknown, StatusDataParts>`. */
export type StatusDataParts = {
  operation: StatusOperationData;
  status: StatusPartData;
};

/** The subset of an AI SDK `UIMessageStreamWriter` this helper uses (structural: any writer fits). */
export interface StatusStreamWriter {
  write(
    part:
      | { type: "data-operation"; data: StatusOperationData; id?: string; transient?: boolean }
      | { type: "data-status"; data: StatusPartData; id?: string; transient?: boolean },
  ): void;
}

/** The id of a run's `data-status` part: stable, so each update replaces the last in the client. */
export function statusPartId(runId: string): string {
  return `status-${runId}`;
}

/**
 * Writes one update into an AI SDK UI message stream (`createUIMessageStream`'s
 * writer): a `data-operation` part `{ type: "status_update", ctx: { summary,
 * components } }` (one per update, appended) and a `data-status` part with a
 * stable id per run (replaced in place).
 */
export function writeStatusUpdate(
  writer: StatusStreamWriter,
  update: Pick<StatusUpdate, "summary" | "components" | "percent" | "source"> & { at?: number },
  options: { runId: string },
): void {
  const components = update.components ?? [];
  writer.write({
    type: "data-operation",
    data: { type: "status_update", ctx: { summary: update.summary, components } },
  });
  writer.write({
    type: "data-status",
    id: statusPartId(options.runId),
    data: {
      runId: options.runId,
      summary: update.summary,
      components,
      percent: update.percent ?? null,
      source: update.source,
      at: update.at ?? Date.now(),
    },
  });
}
