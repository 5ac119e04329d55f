import type { AgentRun, ConnectionStatus } from "../../../src/client/index.js";
import { NotificationsBell, RunsTray } from "../../../src/react/index.js";
import type { ThemeChoice } from "../theme.js";
import { ThemeToggle } from "./theme-toggle.js";

const CONNECTION: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  polling: "Reconnecting",
  closed: "Offline",
  error: "Disconnected",
};

export interface AppHeaderProps {
  /** The stream's state; null hides the pill (before sign-in there is nothing to be connected to). */
  connection: ConnectionStatus | null;
  /** The runs tray and the notifications bell; hidden while signed out. (Default: true) */
  showTray?: boolean;
  theme: ThemeChoice;
  onTheme: (choice: ThemeChoice) => void;
  onHome: () => void;
  /** Opens a run's page from the tray or the bell, in place. */
  onOpenRun: (id: string) => void;
  onSignOut?: () => void;
}

/** The address of a run's page; the tray links each run there. */
export const runPath = (run: Pick<AgentRun, "id">) => `/runs/${encodeURIComponent(run.id)}`;

export function AppHeader({
  connection,
  showTray = true,
  theme,
  onTheme,
  onHome,
  onOpenRun,
  onSignOut,
}: AppHeaderProps) {
  return (
    <header className="app-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="app-header-inner">
        <a
          className="brand"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            onHome();
          }}
        >
          <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
            <rect width="32" height="32" rx="8" />
            <path d="M9 21l5-5 4 4 6-8" />
          </svg>
          Headway
        </a>
        {connection && (
          <span className="connection" data-state={connection} title="Connection to the server">
            <span className="connection-dot" aria-hidden="true" />
            <span className="connection-text">{CONNECTION[connection]}</span>
          </span>
        )}
        <div className="header-actions">
          {showTray && (
            <>
              <RunsTray
                runHref={runPath}
                onOpenRun={(run, event) => {
                  event.preventDefault();
                  onOpenRun(run.id);
                }}
              />
              {/* Next to the tray: when the tray goes with focus in it, focus lands here. */}
              <NotificationsBell
                runHref={runPath}
                onOpenRun={(id, event) => {
                  event.preventDefault();
                  onOpenRun(id);
                }}
              />
            </>
          )}
          <ThemeToggle choice={theme} onChange={onTheme} />
          {onSignOut && (
            <button type="button" className="ghost-button sign-out" onClick={onSignOut} title="Sign out">
              {/* On a phone the door alone: the words stay for screen readers. */}
              <svg viewBox="0 0 24 24" aria-hidden="true">
                <path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9" />
              </svg>
              <span className="sign-out-text">Sign out</span>
            </button>
          )}
        </div>
      </div>
    </header>
  );
}
