/**
 * A PostgreSQL cluster of a test's own, for faults the machine's shared
 * server must never suffer (a restart): `initdb` into a temp directory, a
 * free port on 127.0.0.1, `pg_ctl` to start, restart and stop it. Run as the
 * `postgres` user when the test runs as root (initdb refuses root).
 */
import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The directory holding initdb and pg_ctl: $HEADWAY_TEST_PG_BIN, else the newest /usr/lib/postgresql/<v>/bin. */
export function postgresBinaries(): string | null {
  const candidates = process.env.HEADWAY_TEST_PG_BIN
    ? [process.env.HEADWAY_TEST_PG_BIN]
    : existsSync("/usr/lib/postgresql")
      ? readdirSync("/usr/lib/postgresql")
          .sort((a, b) => Number(b) - Number(a))
          .map((version) => `/usr/lib/postgresql/${version}/bin`)
      : [];
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) ?? null;
}

export interface PrivateCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication). */
  url: string;
  port: number;
  /** `pg_ctl restart -m <mode>`: fast terminates sessions and shuts down cleanly; immediate is a crash (WAL recovery on start). */
  restart(mode: "fast" | "immediate"): Promise<void>;
  /** Stops the server and deletes the cluster. */
  destroy(): Promise<void>;
  /** The server's log so far (for a failing test's message). */
  log(): string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export async function startPrivateCluster(bin: string): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), "headway-pg-"));
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  const asRoot = userInfo().uid === 0;
  if (asRoot)
    chownSync(
      dir,
      Number((await run("id", ["-u", "postgres"])).stdout),
      Number((await run("id", ["-g", "postgres"])).stdout),
    );
  const pg = (tool: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(bin, tool), ...args], { timeout: 60_000 })
      : run(join(bin, tool), args, { timeout: 60_000 });
  const port = await freePort();
  await pg("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c fsync=on",
    "-c synchronous_commit=on",
    "-c shared_buffers=16MB",
    "-c max_connections=50",
  ].join(" ");
  await pg("pg_ctl", ["start", "-D", data, "-l", logFile, "-w", "-t", "60", "-o", options]);
  let destroyed = false;
  // Should the test process end without afterAll (a crash, a kill), the server must not outlive it.
  const stopNow = () => {
    if (destroyed) return;
    const stop = [join(bin, "pg_ctl"), "stop", "-D", data, "-m", "immediate"];
    try {
      if (asRoot) execFileSync("runuser", ["-u", "postgres", "--", ...stop], { stdio: "ignore", timeout: 30_000 });
      else execFileSync(stop[0] as string, stop.slice(1), { stdio: "ignore", timeout: 30_000 });
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stopNow);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: async (mode) => {
      // pg_ctl restart starts the server again with the options it was started with.
      await pg("pg_ctl", ["restart", "-D", data, "-m", mode, "-w", "-t", "60", "-l", logFile]);
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      process.off("exit", stopNow);
      await pg("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w", "-t", "30"]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
  };
}
