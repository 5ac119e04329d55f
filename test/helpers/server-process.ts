/**
 * A Headway server in a process of its own, for tests of what crosses servers:
 *   node --import tsx test/helpers/server-process.ts <databaseUrl>
 * Prints `url <url>` once listening, then takes commands on stdin, one a line:
 *   start <owner> <title>            → prints `started <id>`
 *   update <id> <owner> <percent>    → prints `updated <id> <version>`
 */
import { createInterface } from "node:readline";
import { createProgress } from "../../src/progress/index.js";
import { startServer } from "../../src/server/index.js";

const [databaseUrl] = process.argv.slice(2);
if (!databaseUrl) throw new Error("usage: server-process <databaseUrl>");
const progress = createProgress({ databaseUrl, followExternalWrites: true, sweepIntervalMs: 0 });
const server = await startServer({ progress, port: 0, dashboardDir: false });
process.stdout.write(`url ${server.url}\n`);

createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, ...args] = line.trim().split(" ");
  const done = (text: string) => process.stdout.write(`${text}\n`);
  if (command === "start") {
    const [owner = "ann", ...title] = args;
    void progress.startRun({ owner, title: title.join(" ") || "untitled" }).then((run) => done(`started ${run.id}`));
  } else if (command === "update") {
    const [id = "", owner = "ann", percent = "0"] = args;
    void progress
      .updateRunProgress(id, owner, { percent: Number(percent) })
      .then((run) => done(`updated ${id} ${run?.version}`));
  }
});

process.once("SIGTERM", () => {
  void server
    .close()
    .then(() => progress.close())
    .then(() => process.exit(0));
});
