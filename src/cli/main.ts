#!/usr/bin/env node
/**
 * `headway <command>`: a thin dispatcher; each command lives in commands/<name>.ts
 * and exports `run(argv): Promise<number>` (the exit code).
 */
import { HeadwayError } from "../core/index.js";

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> }> =
  {
    serve: {
      summary: "serve the API, live stream, MCP endpoint and dashboard",
      load: () => import("./commands/serve.js"),
    },
    tokens: { summary: "create, list and revoke API tokens", load: () => import("./commands/tokens.js") },
    webhooks: {
      summary: "add, list and remove webhook endpoints; list and replay deliveries",
      load: () => import("./commands/webhooks.js"),
    },
    watch: { summary: "live terminal view of active runs", load: () => import("./commands/watch.js") },
    exec: { summary: "run a command as a tracked run", load: () => import("./commands/exec.js") },
    "manage-progress": {
      summary: "the agent tool from a shell: start, update, complete, list, notify",
      load: () => import("./commands/manage-progress.js"),
    },
    notify: {
      summary: "tell a person something; list their notifications",
      load: () => import("./commands/notify.js"),
    },
    mcp: { summary: "serve the manage-progress tool over MCP stdio", load: () => import("./commands/mcp.js") },
  };

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return `Usage: headway <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun "headway <command> --help" for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`headway: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof HeadwayError) console.error(`headway: ${error.message}`);
    else console.error(error);
    process.exitCode = 1;
  },
);
