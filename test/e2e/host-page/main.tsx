// A host app on its own origin that puts Headway's tray and bell in its header, as the README shows.
import { createRoot } from "react-dom/client";
import { HeadwayProvider, NotificationsBell, RunsTray, Toaster } from "../../../src/react/index.js";

const params = new URLSearchParams(window.location.hash.slice(1));
const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <HeadwayProvider baseUrl={params.get("api") ?? ""} token={params.get("token")}>
      <header style={{ display: "flex", justifyContent: "flex-end", gap: 8, padding: 12 }}>
        <span>Host app</span>
        <RunsTray />
        <NotificationsBell />
      </header>
      <Toaster />
    </HeadwayProvider>,
  );
}
