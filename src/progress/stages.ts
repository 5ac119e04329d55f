/** A stage of a pipeline and its share of the whole. */
export type StageSpec = string | { name: string; weight?: number };

export interface StageRange {
  name: string;
  start: number;
  end: number;
}

/** Lays declared stages end to end over 0..100 by weight (default 1 each). */
export function stageRanges(stages: readonly StageSpec[]): StageRange[] {
  const specs = stages.map((stage) =>
    typeof stage === "string" ? { name: stage, weight: 1 } : { name: stage.name, weight: stage.weight ?? 1 },
  );
  const total = specs.reduce((sum, stage) => sum + Math.max(0, stage.weight), 0) || 1;
  let start = 0;
  return specs.map((stage) => {
    const end = start + (Math.max(0, stage.weight) / total) * 100;
    const range = { name: stage.name, start, end };
    start = end;
    return range;
  });
}

/** Percent of the whole for item `i` of `total` inside a stage (or the whole run when there is none). */
export function percentWithin(range: StageRange | undefined, i: number, total: number): number {
  const fraction = total > 0 ? Math.min(1, Math.max(0, i / total)) : 0;
  const start = range?.start ?? 0;
  const end = range?.end ?? 100;
  return start + (end - start) * fraction;
}
