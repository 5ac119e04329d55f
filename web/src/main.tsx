import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.js";
import { takeToken } from "./session.js";
import "./styles.css";

const token = takeToken();
const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App initialToken={token} />
    </StrictMode>,
  );
}
