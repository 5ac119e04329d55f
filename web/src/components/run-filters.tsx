import type { StatusFilter } from "../use-run-list.js";

export type { StatusFilter } from "../use-run-list.js";

const FILTERS: Array<{ value: StatusFilter; label: string }> = [
  { value: "all", label: "All" },
  { value: "running", label: "Running" },
  { value: "succeeded", label: "Succeeded" },
  { value: "failed", label: "Failed" },
  { value: "cancelled", label: "Cancelled" },
];

export interface RunFiltersProps {
  status: StatusFilter;
  query: string;
  counts: Record<StatusFilter, number>;
  onStatus: (status: StatusFilter) => void;
  onQuery: (query: string) => void;
}

export function RunFilters({ status, query, counts, onStatus, onQuery }: RunFiltersProps) {
  return (
    <search className="toolbar">
      <fieldset className="segmented" aria-label="Filter by status">
        {FILTERS.map((filter) => (
          <button
            key={filter.value}
            type="button"
            aria-pressed={status === filter.value}
            onClick={() => onStatus(filter.value)}
          >
            {filter.label}
            <span className="count">{counts[filter.value]}</span>
          </button>
        ))}
      </fieldset>
      <label className="search">
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <circle cx="11" cy="11" r="7" />
          <path d="M20 20l-3.5-3.5" />
        </svg>
        <input
          type="search"
          placeholder="Search by title"
          aria-label="Search runs by title"
          value={query}
          onChange={(event) => onQuery(event.target.value)}
        />
      </label>
    </search>
  );
}
