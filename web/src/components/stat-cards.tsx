export interface StatCounts {
  running: number;
  attention: number;
  succeeded: number;
  failed: number;
}

/** Four numbers above the list: what runs, what needs a person, what ended well or badly. */
export function StatCards({ counts }: { counts: StatCounts }) {
  const cards = [
    { label: "Running", value: counts.running, tone: "running" },
    { label: "Needs attention", value: counts.attention, tone: "attention" },
    { label: "Succeeded", value: counts.succeeded, tone: "succeeded" },
    { label: "Failed", value: counts.failed, tone: "failed" },
  ];
  return (
    <section className="stats" aria-label="Summary">
      {cards.map((card) => (
        <div key={card.label} className="stat" data-tone={card.tone} data-zero={card.value === 0 ? "" : undefined}>
          <span className="stat-label">{card.label}</span>
          <span className="stat-value">{card.value}</span>
        </div>
      ))}
    </section>
  );
}
