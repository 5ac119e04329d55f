/**
 * The page `/` serves until the dashboard is built: it says so, and still
 * shows the owner's runs live, so `headway serve` is useful from a checkout.
 */
export function placeholderPage(basePath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="headway-base-path" content="${escapeHtml(basePath)}">
<title>Headway</title>
<style>
  :root { color-scheme: light dark; --bg: #fff; --fg: #0a0a0a; --muted: #6b7280; --border: #e5e7eb; --bar: #2563eb; --bad: #dc2626; }
  @media (prefers-color-scheme: dark) { :root { --bg: #0a0a0a; --fg: #fafafa; --muted: #9ca3af; --border: #27272a; --bar: #60a5fa; --bad: #f87171; } }
  body { margin: 0; font: 15px/1.5 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
  main { max-width: 44rem; margin: 3rem auto; padding: 0 1.25rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  .note { color: var(--muted); margin: 0 0 2rem; }
  code { font: 13px ui-monospace, monospace; }
  ul { list-style: none; padding: 0; margin: 0; }
  li { border: 1px solid var(--border); border-radius: .6rem; padding: .8rem 1rem; margin-bottom: .6rem; }
  .row { display: flex; justify-content: space-between; gap: 1rem; }
  .title { font-weight: 600; }
  .step, .meta { color: var(--muted); font-size: .9rem; }
  .bar { height: .4rem; background: var(--border); border-radius: 1rem; overflow: hidden; margin: .5rem 0 .2rem; }
  .bar > div { height: 100%; background: var(--bar); transition: width .3s; }
  .failed .bar > div { background: var(--bad); }
  .attention { color: var(--bad); font-weight: 600; }
  #status { color: var(--muted); font-size: .85rem; }
</style>
</head>
<body>
<main>
  <h1>Headway</h1>
  <p class="note">The dashboard is not built yet (<code>npm run build</code> builds it). Meanwhile, your runs, live:</p>
  <p id="status">Connecting…</p>
  <ul id="runs"></ul>
</main>
<script type="module">
  const base = document.querySelector('meta[name="headway-base-path"]').content;
  // The server trades a valid ?token= link for a session cookie and redirects without it, so a token
  // still in the address is one it refused: out of the address bar, and said so below.
  const params = new URLSearchParams(location.search);
  const refused = params.has("token");
  const status = document.getElementById("status");
  const list = document.getElementById("runs");
  const runs = new Map();
  if (refused) {
    params.delete("token");
    history.replaceState(null, "", location.pathname + (params.size ? "?" + params : ""));
  }
  const render = () => {
    const sorted = [...runs.values()].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, 50);
    list.replaceChildren(...sorted.map((run) => {
      const li = document.createElement("li");
      li.className = run.status;
      const percent = run.percent ?? 0;
      const attention = run.state === "action_required" || run.status === "failed";
      li.innerHTML = '<div class="row"><span class="title"></span><span class="meta"></span></div>' +
        '<div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"><div></div></div><div class="step"></div>';
      li.querySelector(".title").textContent = run.title;
      const label = run.status !== "running" ? run.status : run.state === "action_required" ? "needs your input" : run.percent === null ? "working" : percent + "%";
      li.querySelector(".meta").textContent = label;
      if (attention) li.querySelector(".meta").classList.add("attention");
      li.querySelector(".bar").setAttribute("aria-valuenow", String(percent));
      li.querySelector(".bar > div").style.width = percent + "%";
      li.querySelector(".step").textContent = run.step ?? "";
      return li;
    }));
    status.textContent = runs.size ? "" : "No active runs.";
  };
  {
    // Same origin: the session cookie goes along.
    const source = new EventSource(base + "/stream");
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) {
        status.textContent = "Reconnecting…";
        return;
      }
      // Refused (401): no session. Say how to get one.
      status.innerHTML = (refused ? "That token was not accepted. " : "Not signed in. ") +
        "Open the address <code>headway serve</code> printed, or create a token with " +
        "<code>headway tokens create --owner you@example.com</code> and open <code>/?token=…</code> on this server.";
    };
    source.addEventListener("snapshot", (e) => {
      runs.clear();
      for (const run of JSON.parse(e.data).runs) runs.set(run.id, run);
      render();
    });
    const upsert = (e) => {
      const { run } = JSON.parse(e.data);
      const known = runs.get(run.id);
      if (!known || known.version < run.version) runs.set(run.id, run);
      render();
    };
    source.addEventListener("run.progress.started", upsert);
    source.addEventListener("run.progress.updated", upsert);
    source.addEventListener("run.deleted", (e) => { runs.delete(JSON.parse(e.data).payload.runId); render(); });
  }
</script>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
