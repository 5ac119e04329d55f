import { useHeadwayStyles } from "./styles.js";

export interface ProgressBarProps {
  /** 0..100, or null when the work cannot say how far along it is. */
  percent: number | null;
  /** What the bar measures, read by screen readers. */
  label: string;
}

/** An accessible percent bar; indeterminate (no aria-valuenow) when percent is null. */
export function ProgressBar({ percent, label }: ProgressBarProps) {
  useHeadwayStyles();
  const known = percent !== null;
  return (
    <div
      className="hw-root hw-bar"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={known ? percent : undefined}
      aria-valuetext={known ? `${percent}%` : "in progress"}
      data-indeterminate={known ? undefined : ""}
    >
      <div className="hw-bar-fill" style={known ? { width: `${percent}%` } : undefined} />
    </div>
  );
}
