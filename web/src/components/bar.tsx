import { ProgressBar } from "../../../src/react/index.js";

/** The React package's accessible bar, coloured by the run's tone. */
export function Bar({
  percent,
  label,
  tone,
  size = "sm",
}: {
  percent: number | null;
  label: string;
  tone: string;
  size?: "sm" | "lg";
}) {
  return (
    <div className="bar-wrap" data-tone={tone} data-size={size}>
      <ProgressBar percent={percent} label={label} />
    </div>
  );
}
