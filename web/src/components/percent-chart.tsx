import type { RunHistoryPoint } from "../../../src/client/index.js";
import { formatDuration } from "../format.js";

const W = 640;
const H = 160;
const PAD = { top: 12, right: 12, bottom: 24, left: 46 };

/** Percent over time as a small line chart; the line runs on to now while the run is live. */
export function PercentChart({ points, endAt }: { points: RunHistoryPoint[]; endAt: number }) {
  const known = points.filter((p) => p.percent !== null);
  if (known.length === 0) return <p className="muted chart-empty">No percent reported yet.</p>;
  const start = Date.parse(points[0]?.at ?? known[0]!.at);
  const span = Math.max(1000, endAt - start);
  const x = (t: number) => PAD.left + ((t - start) / span) * (W - PAD.left - PAD.right);
  const y = (p: number) => PAD.top + (1 - p / 100) * (H - PAD.top - PAD.bottom);
  const coords = known.map((p) => [x(Date.parse(p.at)), y(p.percent ?? 0)] as const);
  const last = coords.at(-1)!;
  coords.push([x(endAt), last[1]]);
  const line = coords.map(([cx, cy], i) => `${i ? "L" : "M"}${cx.toFixed(1)},${cy.toFixed(1)}`).join(" ");
  const area = `${line} L${x(endAt).toFixed(1)},${y(0)} L${coords[0]![0].toFixed(1)},${y(0)} Z`;
  const first = known[0]!.percent;
  const final = known.at(-1)!.percent;
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`Percent over time: ${first}% to ${final}% in ${formatDuration(span)}`}
    >
      {[0, 50, 100].map((p) => (
        <g key={p}>
          <line className="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y(p)} y2={y(p)} />
          <text className="chart-label" x={PAD.left - 8} y={y(p) + 4} textAnchor="end">
            {p}%
          </text>
        </g>
      ))}
      <text className="chart-label" x={PAD.left} y={H - 6}>
        0s
      </text>
      <text className="chart-label" x={W - PAD.right} y={H - 6} textAnchor="end">
        {formatDuration(span)}
      </text>
      <path className="chart-area" d={area} />
      <path className="chart-line" d={line} />
      <circle className="chart-dot" cx={last[0]} cy={last[1]} r="4" />
    </svg>
  );
}
