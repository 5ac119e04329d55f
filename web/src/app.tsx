import { useEffect, useMemo, useState } from "react";
import { type AgentRun, createHeadwayClient, HeadwayClientError } from "../../src/client/index.js";
import { HeadwayProvider, Toaster, useProgressMarks, useTabTitleAlerts } from "../../src/react/index.js";
import { AppHeader, runPath } from "./components/app-header.js";
import { RunDetail } from "./components/run-detail.js";
import { RunsPage } from "./components/runs-page.js";
import { TokenPrompt } from "./components/token-prompt.js";
import { WebhooksLink } from "./components/webhooks-link.js";
import { WebhooksPage } from "./components/webhooks-page.js";
import { useRoute } from "./router.js";
import { basePath, currentSession, notificationsPath, type Session, signInWith, signOut } from "./session.js";
import { useTheme } from "./theme.js";
import { useRunList } from "./use-run-list.js";

export function App({ rejectedToken }: { rejectedToken: boolean }) {
  const theme = useTheme();
  // Same-origin requests carry the session cookie; the page holds no token of its own.
  const client = useMemo(
    () => createHeadwayClient({ basePath: basePath(), notificationsPath: notificationsPath() }),
    [],
  );
  const [session, setSession] = useState<Session | null>(null);
  useEffect(() => {
    void currentSession().then(setSession);
  }, []);
  return (
    <HeadwayProvider client={client}>
      <Dashboard
        rejectedToken={rejectedToken}
        session={session}
        theme={theme}
        onToken={signInWith}
        onSignOut={async () => {
          await signOut();
          window.location.assign("/");
        }}
        client={client}
      />
    </HeadwayProvider>
  );
}

interface DashboardProps {
  rejectedToken: boolean;
  session: Session | null;
  theme: ReturnType<typeof useTheme>;
  onToken: (token: string) => void;
  onSignOut: () => Promise<void>;
  client: ReturnType<typeof createHeadwayClient>;
}

function Dashboard({ rejectedToken, session, theme, onToken, onSignOut, client }: DashboardProps) {
  const list = useRunList(client);
  // What the page saw of each run's updates, kept across both pages: a countdown runs from the percent's
  // last move, and a percent that stopped moving shows as a stall, on the list and on a run's page alike.
  const marks = useProgressMarks(list.runs);
  const [route, navigate] = useRoute();
  const [deleted, setDeleted] = useState<string | null>(null);
  const refused = list.error instanceof HeadwayClientError && list.error.status === 401;
  // The tab says what is going on: the count of running runs (or of those waiting for a person), and
  // while the tab is in the background what happened there: "(1) Failed: Sync 3 calendars — Headway".
  useTabTitleAlerts({ title: baseTitle(list.runs), appName: "Headway", enabled: !refused });
  const open = (id: string) => {
    setDeleted(null);
    navigate({ page: "run", id });
  };
  const home = () => {
    setDeleted(null);
    navigate({ page: "list" });
  };

  return (
    <>
      <AppHeader
        connection={refused ? null : list.status}
        showTray={!refused}
        theme={theme.choice}
        onTheme={theme.setChoice}
        onHome={home}
        onOpenRun={open}
        // Only a browser session can be signed out of; a host app's own sign-in is not ours to end.
        onSignOut={session?.scope === "read" && !refused ? () => void onSignOut() : undefined}
      />
      <main id="main" tabIndex={-1}>
        {refused ? (
          <TokenPrompt
            problem={rejectedToken ? "That token was not accepted: it may have been revoked or have expired." : null}
            onToken={onToken}
          />
        ) : route.page === "run" ? (
          <RunDetail
            id={route.id}
            marks={marks}
            onOpen={open}
            onBack={home}
            onDeleted={(run) => {
              list.apply({ deleted: run.id });
              navigate({ page: "list" });
              setDeleted(run.title);
            }}
          />
        ) : route.page === "webhooks" ? (
          <WebhooksPage onBack={home} />
        ) : (
          <>
            <RunsPage list={list} marks={marks} onOpen={open} deleted={deleted} />
            <WebhooksLink onOpen={() => navigate({ page: "webhooks" })} />
          </>
        )}
      </main>
      {!refused && (
        <Toaster
          runHref={runPath}
          onOpenRun={(id, event) => {
            event.preventDefault();
            open(id);
          }}
        />
      )}
    </>
  );
}

/** The tab's title while nothing happened out of sight: runs waiting for a person, else those running. */
function baseTitle(runs: readonly AgentRun[]): string {
  const waiting = runs.filter((run) => run.status === "running" && run.state === "action_required").length;
  const running = runs.filter((run) => run.status === "running" && !run.parentId).length;
  return waiting > 0 ? `(${waiting}) Needs you · Headway` : running > 0 ? `(${running}) Headway` : "Headway";
}
