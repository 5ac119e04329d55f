import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.js";
import { takeRejectedToken } from "./session.js";
import "./styles.css";

const rejected = takeRejectedToken();
const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App rejectedToken={rejected !== null} />
    </StrictMode>,
  );
}
