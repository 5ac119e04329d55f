/** A ring with a gap, turning while work runs. */
export function SpinnerIcon() {
  return (
    <svg className="hw-spinner" viewBox="0 0 16 16" fill="none" aria-hidden="true">
      <circle cx="8" cy="8" r="6.5" stroke="currentColor" strokeOpacity="0.25" strokeWidth="2" />
      <path d="M14.5 8A6.5 6.5 0 0 0 8 1.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

/** A triangle with an exclamation mark, for a tray that cannot reach its server. */
export function AlertIcon() {
  return (
    <svg className="hw-alert-icon" viewBox="0 0 16 16" width="16" height="16" fill="none" aria-hidden="true">
      <path d="M8 1.8 15 14H1L8 1.8Z" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
      <path d="M8 6.2v3.6M8 11.6v.2" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
    </svg>
  );
}
