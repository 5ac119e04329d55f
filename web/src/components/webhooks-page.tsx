import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type EndpointWithCounts, type WebhookDelivery, webhooksApi, webhooksPath } from "../webhooks-api.js";
import "../webhooks.css";

const REFRESH_MS = 5000;

function when(iso: string | null): string {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * The owner's webhook endpoints and dead deliveries, with replay: one
 * delivery, or every dead one of an endpoint. Read every few seconds; adding
 * and removing endpoints is the CLI's and the API's (see docs/webhooks.md).
 */
export function WebhooksPage({ onBack }: { onBack: () => void }) {
  const base = useMemo(webhooksPath, []);
  const api = useMemo(() => (base ? webhooksApi(base) : null), [base]);
  const [endpoints, setEndpoints] = useState<EndpointWithCounts[] | null>(null);
  const [dead, setDead] = useState<WebhookDelivery[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [said, setSaid] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    if (!api) return;
    try {
      const [found, letters] = await Promise.all([api.endpoints(), api.dead()]);
      setEndpoints(found);
      setDead(letters);
      setProblem(null);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }, [api]);

  useEffect(() => {
    heading.current?.focus();
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const act = async (key: string, action: () => Promise<string>) => {
    setBusy(key);
    try {
      setSaid(await action());
      setProblem(null);
      await load();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(null);
    }
  };

  const urlOf = (endpointId: string) => endpoints?.find((e) => e.id === endpointId)?.url ?? endpointId;

  return (
    <div className="page webhooks-page">
      <a
        href="/"
        className="back-link"
        onClick={(event) => {
          event.preventDefault();
          onBack();
        }}
      >
        ← All runs
      </a>
      <div className="page-heading">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            Webhooks
          </h1>
          <p className="muted">
            Your runs' events, POSTed and signed to these endpoints. Deliveries that failed every attempt wait here for
            a replay.
          </p>
        </div>
      </div>
      <p className="visually-hidden" role="status">
        {said}
      </p>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {!api ? (
        <div className="card empty">
          <strong>No webhooks on this server</strong>
          <span className="muted">It was started without the webhooks API.</span>
        </div>
      ) : (
        <>
          <section className="card flush" aria-labelledby="endpoints-heading">
            <h2 id="endpoints-heading" className="card-title">
              Endpoints
            </h2>
            {endpoints === null ? (
              <p className="webhooks-empty muted">Loading endpoints…</p>
            ) : endpoints.length === 0 ? (
              <p className="webhooks-empty muted">
                No endpoints yet. Add one with <code>headway webhooks add --owner … --url https://…</code>.
              </p>
            ) : (
              <ul className="webhook-list">
                {endpoints.map((endpoint) => (
                  <li key={endpoint.id} className="webhook-item">
                    <div className="webhook-main">
                      <span className="webhook-url">{endpoint.url}</span>
                      <span className="webhook-meta muted">
                        {endpoint.events ? endpoint.events.join(", ") : "All events"}
                        {endpoint.description ? ` · ${endpoint.description}` : ""}
                      </span>
                    </div>
                    <div className="webhook-counts">
                      <span className="chip">{endpoint.disabledAt ? "Paused" : "Active"}</span>
                      <span className="chip">{endpoint.deliveries.pending} pending</span>
                      <span className="chip">{endpoint.deliveries.delivered} delivered</span>
                      <span className="chip" data-tone={endpoint.deliveries.dead > 0 ? "failed" : undefined}>
                        {endpoint.deliveries.dead} dead
                      </span>
                      {endpoint.deliveries.dead > 0 && (
                        <button
                          type="button"
                          className="outline-button"
                          disabled={busy !== null}
                          aria-label={`Replay all dead deliveries to ${endpoint.url} (${endpoint.deliveries.dead})`}
                          onClick={() =>
                            act(`endpoint:${endpoint.id}`, async () => {
                              const { replayed } = await api.replayDead(endpoint.id);
                              return `Replaying ${replayed} dead deliveries to ${endpoint.url}.`;
                            })
                          }
                        >
                          Replay all dead
                        </button>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section className="card flush" aria-labelledby="dead-heading">
            <h2 id="dead-heading" className="card-title">
              Dead deliveries
            </h2>
            {dead.length === 0 ? (
              <p className="webhooks-empty muted">None: every delivery went through or is still being retried.</p>
            ) : (
              <ul className="webhook-list">
                {dead.map((delivery) => (
                  <li key={delivery.id} className="webhook-item">
                    <div className="webhook-main">
                      <span>
                        <strong>{delivery.eventType}</strong> <span className="muted">event {delivery.eventId}</span>
                      </span>
                      <span className="webhook-url muted">{urlOf(delivery.endpointId)}</span>
                      <span className="webhook-error">
                        {delivery.attempts} attempts; last {when(delivery.lastAttemptAt)}: {delivery.lastError}
                      </span>
                    </div>
                    <div className="webhook-counts">
                      <button
                        type="button"
                        className="outline-button"
                        disabled={busy !== null}
                        aria-label={`Replay ${delivery.eventType} event ${delivery.eventId}`}
                        onClick={() =>
                          act(`delivery:${delivery.id}`, async () => {
                            await api.replay(delivery.id);
                            return `Replaying event ${delivery.eventId}.`;
                          })
                        }
                      >
                        Replay
                      </button>
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}
