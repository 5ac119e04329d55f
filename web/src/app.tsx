import { useMemo, useState } from "react";
import { createHeadwayClient, HeadwayClientError } from "../../src/client/index.js";
import { HeadwayProvider } from "../../src/react/index.js";
import { Announcer } from "./components/announcer.js";
import { AppHeader } from "./components/app-header.js";
import { RunDetail } from "./components/run-detail.js";
import { RunsPage } from "./components/runs-page.js";
import { TokenPrompt } from "./components/token-prompt.js";
import { useRoute } from "./router.js";
import { basePath, forgetToken, saveToken } from "./session.js";
import { useTheme } from "./theme.js";
import { useRunList } from "./use-run-list.js";

export function App({ initialToken }: { initialToken: string | null }) {
  const [token, setToken] = useState(initialToken);
  const theme = useTheme();
  const client = useMemo(() => createHeadwayClient({ token, basePath: basePath() }), [token]);
  return (
    <HeadwayProvider client={client} key={token ?? ""}>
      <Dashboard
        hasToken={token !== null}
        theme={theme}
        onToken={(next) => {
          if (next) saveToken(next);
          else forgetToken();
          setToken(next);
        }}
        client={client}
      />
    </HeadwayProvider>
  );
}

interface DashboardProps {
  hasToken: boolean;
  theme: ReturnType<typeof useTheme>;
  onToken: (token: string | null) => void;
  client: ReturnType<typeof createHeadwayClient>;
}

function Dashboard({ hasToken, theme, onToken, client }: DashboardProps) {
  const list = useRunList(client);
  const [route, navigate] = useRoute();
  const [deleted, setDeleted] = useState<string | null>(null);
  const refused = list.error instanceof HeadwayClientError && list.error.status === 401;
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
        onSignOut={hasToken && !refused ? () => onToken(null) : undefined}
      />
      <main id="main" tabIndex={-1}>
        {refused ? (
          <TokenPrompt
            problem={hasToken ? "That token was not accepted: it may have been revoked or have expired." : null}
            onToken={onToken}
          />
        ) : route.page === "run" ? (
          <RunDetail
            id={route.id}
            onOpen={open}
            onBack={home}
            onDeleted={(run) => {
              list.apply({ deleted: run.id });
              navigate({ page: "list" });
              setDeleted(run.title);
            }}
          />
        ) : (
          <RunsPage list={list} onOpen={open} deleted={deleted} />
        )}
      </main>
      <Announcer runs={list.runs} ready={list.loaded} />
    </>
  );
}
