import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/progress/index.js";
import { createHeadwayApp, type HeadwayAppOptions, startServer } from "../../src/server/index.js";
import { SqliteTokenStore } from "../../src/store/index.js";
import { openSqliteDatabase } from "../../src/store/sqlite/sqlite-driver.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { eventually, fixture, listen, onCleanup } from "./helpers.js";

const BASE = "/_agent-native/runs";
const HOST = "http://localhost";

async function setup(options: Partial<HeadwayAppOptions> = {}) {
  const f = fixture();
  const app = createHeadwayApp({ progress: f.progress, dashboardDir: false, ...options });
  return { ...f, app };
}

/** The `name=value` of a Set-Cookie header. */
const cookiePair = (response: Response) => (response.headers.get("set-cookie") ?? "").split(";")[0]!;

describe("browser sign-in: the printed ?token= link becomes a session cookie", () => {
  it("answers the link with an HttpOnly, SameSite=Strict cookie and a redirect that drops the token", async () => {
    const { app, progress, tokenFor } = await setup();
    const token = await tokenFor("ann");
    await progress.startRun({ owner: "ann", title: "Triage" });

    const signIn = await app.request(`${HOST}/runs/x?token=${token}&theme=dark`);
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get("location")).toBe("/runs/x?theme=dark");
    expect(signIn.headers.get("cache-control")).toBe("no-store");
    expect(signIn.headers.get("referrer-policy")).toBe("no-referrer");
    const setCookie = signIn.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^headway_session_80=hws_[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/");
    expect(setCookie).toMatch(/Max-Age=2592000/);
    expect(setCookie).not.toContain("Secure"); // plain http: a Secure cookie would be dropped

    const cookie = cookiePair(signIn);
    const list = await app.request(`${HOST}${BASE}`, { headers: { Cookie: cookie } });
    expect(list.status).toBe(200);
    expect((await list.json()).runs.map((r: { title: string }) => r.title)).toEqual(["Triage"]);
    const me = await app.request(`${HOST}/_headway/session`, { headers: { Cookie: cookie } });
    expect(await me.json()).toEqual({ owner: "ann", scope: "read" });
  });

  it("serves the page as usual for an unknown token (the page then says it was not accepted), setting nothing", async () => {
    const { app } = await setup();
    const page = await app.request(`${HOST}/?token=hw_${"x".repeat(43)}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("set-cookie")).toBeNull();
  });

  it("lets the live stream use the cookie, over a real socket", async () => {
    const f = fixture();
    const server = await startServer({ progress: f.progress, port: 0, dashboardDir: false });
    onCleanup(() => server.close());
    await f.progress.startRun({ owner: "ann", title: "visible through the cookie" });
    const signIn = await fetch(`${server.url}/?token=${await f.tokenFor("ann")}`, { redirect: "manual" });
    expect(cookiePair(signIn)).toMatch(new RegExp(`^headway_session_${server.port}=`));
    const client = listen(`${server.url}${BASE}/stream`, null, { Cookie: cookiePair(signIn) });
    const [snapshot] = await client.until((events) => events.length >= 1, 5000, "the snapshot");
    expect(snapshot).toBeDefined();
    expect((snapshot!.data as { runs: Array<{ title: string }> }).runs.map((r) => r.title)).toEqual([
      "visible through the cookie",
    ]);
  });

  it("ends the cookie's open stream when the session is signed out", async () => {
    const f = fixture();
    const server = await startServer({ progress: f.progress, port: 0, dashboardDir: false });
    onCleanup(() => server.close());
    const signIn = await fetch(`${server.url}/?token=${await f.tokenFor("ann")}`, { redirect: "manual" });
    const cookie = cookiePair(signIn);
    const client = listen(`${server.url}${BASE}/stream`, null, { Cookie: cookie });
    await client.until((events) => events.length >= 1, 5000, "the snapshot");
    const out = await fetch(`${server.url}/_headway/session`, { method: "DELETE", headers: { Cookie: cookie } });
    expect(out.status).toBe(200);
    // Ended by the server's re-check, then refused on reconnect: the client gives up (CLOSED).
    await eventually(() => client.source.readyState === 2, 5000, "the stream to end");
  });

  it("keeps the session across a server restart (sessions live hashed in the database)", async () => {
    const path = tempDatabasePath();
    const first = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    const token = (await first.backend.tokens.create({ owner: "ann" })).token;
    const server1 = await startServer({ progress: first, port: 0, dashboardDir: false });
    const port = server1.port;
    const signIn = await fetch(`${server1.url}/?token=${token}`, { redirect: "manual" });
    const cookie = cookiePair(signIn);
    await server1.close();
    await first.close();

    const second = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    onCleanup(() => second.close());
    const server2 = await startServer({ progress: second, port, dashboardDir: false });
    onCleanup(() => server2.close());
    const list = await fetch(`${server2.url}${BASE}`, { headers: { Cookie: cookie } });
    expect(list.status).toBe(200);
    // Only the hash is stored: the cookie's value is nowhere in the table.
    const db = openSqliteDatabase(path, { readonly: true });
    onCleanup(() => {
      db.close();
    });
    const rows = db.prepare<{ hash: string }>("SELECT hash FROM api_sessions").all();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.hash).not.toContain(cookie.split("=")[1]!);
  });

  it("ends a session on sign-out, and every session of a token when the token is revoked", async () => {
    const { app, tokens } = await setup();
    const created = await tokens.create({ owner: "ann" });
    const signInA = await app.request(`${HOST}/?token=${created.token}`);
    const signInB = await app.request(`${HOST}/?token=${created.token}`);
    const a = cookiePair(signInA);
    const b = cookiePair(signInB);

    const out = await app.request(`${HOST}/_headway/session`, { method: "DELETE", headers: { Cookie: a } });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/^headway_session_80=; .*Max-Age=0/);
    const afterOut = await app.request(`${HOST}${BASE}`, { headers: { Cookie: a } });
    expect(afterOut.status).toBe(401);
    expect((await afterOut.json()).error.message).toContain("the session has ended");
    expect((await app.request(`${HOST}${BASE}`, { headers: { Cookie: b } })).status).toBe(200);

    await tokens.revoke(created.record.id);
    expect((await app.request(`${HOST}${BASE}`, { headers: { Cookie: b } })).status).toBe(401);
  });

  it("refuses a cookie-borne cancel from another origin (a page on another port is the same site)", async () => {
    const { app, progress, tokenFor } = await setup();
    const run = await progress.startRun({ owner: "ann", title: "keep going" });
    const cookie = cookiePair(await app.request(`${HOST}/?token=${await tokenFor("ann")}`));
    const cancel = (origin: string) =>
      app.request(`${HOST}${BASE}/${run.id}/cancel`, {
        method: "POST",
        headers: { Cookie: cookie, Origin: origin, Host: "localhost" },
      });
    const refused = await cancel("http://localhost:3000");
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe("cross_origin_cookie");
    expect((await progress.getRun(run.id, "ann"))?.cancelRequested).toBe(false);
    expect((await cancel("http://localhost")).status).toBe(200);
  });
});

describe("session and token expiry in the store", () => {
  it("expires sessions and tokens on their own clock; renew moves a token's expiry", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const db = openSqliteDatabase(tempDatabasePath());
    onCleanup(() => {
      db.close();
    });
    const tokens = new SqliteTokenStore(db, { clock: () => now });
    const leased = await tokens.create({ owner: "ann", ttlMs: 60_000 });
    expect(leased.record.expiresAt).toBe("2026-01-01T00:01:00.000Z");
    const session = await tokens.createSession(leased.record.id, 3_600_000);
    expect(session?.session).toMatchObject({ owner: "ann", expiresAt: "2026-01-01T01:00:00.000Z" });

    now += 30_000;
    expect((await tokens.renew(leased.record.id, 60_000))?.expiresAt).toBe("2026-01-01T00:01:30.000Z");
    now += 60_001;
    expect(await tokens.verify(leased.token)).toBeNull();
    expect(await tokens.list({ owner: "ann" })).toEqual([]);
    expect(await tokens.list({ owner: "ann", includeRevoked: true })).toHaveLength(1);
    expect(await tokens.renew(leased.record.id, 60_000)).toBeNull();
    expect(await tokens.createSession(leased.record.id, 1000)).toBeNull();
    // The lapsed lease does not end the browser session traded for it; the session's own expiry does.
    expect(await tokens.verifySession(session!.secret)).not.toBeNull();
    now += 3_600_000;
    expect(await tokens.verifySession(session!.secret)).toBeNull();
  });

  it("rejects a too-short token ttl, naming the field", async () => {
    const db = openSqliteDatabase(tempDatabasePath());
    onCleanup(() => {
      db.close();
    });
    await expect(new SqliteTokenStore(db).create({ owner: "ann", ttlMs: 5 })).rejects.toThrow(
      "ttlMs: must be at least 1000 ms",
    );
  });
});

describe("a query-string token", () => {
  it("is taken on the exact stream route only; elsewhere it counts for nothing (401 whether valid or not)", async () => {
    const { app, tokenFor } = await setup();
    const token = await tokenFor("ann");
    for (const path of [`${BASE}/abc/stream`, `${BASE}/stream/stream`, BASE]) {
      const valid = await app.request(`${path}?token=${token}`);
      const invalid = await app.request(`${path}?token=hw_${"x".repeat(43)}`);
      expect([path, valid.status]).toEqual([path, 401]);
      expect([path, invalid.status]).toEqual([path, 401]);
    }
  });
});

describe("cross-origin use", () => {
  const ORIGIN = "https://app.example.com";

  it("answers a preflight before auth, with Access-Control-* for allowed origins only", async () => {
    const { app } = await setup({ corsOrigins: [ORIGIN] });
    const preflight = (origin: string) =>
      app.request(`${BASE}/stream`, {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "authorization",
        },
      });
    const ok = await preflight(ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    expect(ok.headers.get("access-control-allow-headers")).toContain("Authorization");
    expect(ok.headers.get("access-control-allow-methods")).toContain("POST");

    const other = await preflight("https://evil.example");
    expect(other.status).toBe(204);
    expect([...other.headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });

  it("adds CORS headers to real answers (errors too) for an allowed origin, none for others", async () => {
    const { app, progress, tokenFor } = await setup({ corsOrigins: [ORIGIN] });
    await progress.startRun({ owner: "ann", title: "from afar" });
    const token = await tokenFor("ann");
    const get = (origin: string, auth = true) =>
      app.request(BASE, { headers: { Origin: origin, ...(auth ? { Authorization: `Bearer ${token}` } : {}) } });

    const ok = await get(ORIGIN);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(ok.headers.get("vary")).toContain("Origin");
    expect((await ok.json()).runs).toHaveLength(1);

    const refused = await get(ORIGIN, false);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(ORIGIN); // the page can read why

    const other = await get("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("sends no CORS headers at all without configured origins, and names a malformed origin", async () => {
    const { app, tokenFor } = await setup();
    const response = await app.request(BASE, {
      headers: { Origin: ORIGIN, Authorization: `Bearer ${await tokenFor("ann")}` },
    });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const f = fixture();
    expect(() => createHeadwayApp({ progress: f.progress, corsOrigins: ["https://app.example.com/"] })).toThrow(
      "corsOrigins.0: must be an origin",
    );
  });
});

describe("dashboard serving", () => {
  function builtDashboard() {
    const dir = join(dirname(tempDatabasePath()), "dashboard");
    const file = (name: string, text: string) => {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    };
    file("index.html", "<html><head><title>Headway</title></head><body></body></html>");
    file("assets/index-Bq3xY7kP.js", `console.log(${JSON.stringify("x".repeat(5000))});`);
    file("assets/index-Bq3xY7kP.js.map", '{"version":3}');
    file("favicon.svg", "<svg></svg>");
    return dir;
  }

  it("caches hashed assets for good, revalidates the page, compresses, and keeps source maps private", async () => {
    const { app } = await setup({ dashboardDir: builtDashboard() });
    const asset = await app.request("/assets/index-Bq3xY7kP.js", { headers: { "Accept-Encoding": "gzip" } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(await asset.arrayBuffer())).toString()).toContain("xxxx");

    expect((await app.request("/favicon.svg")).headers.get("cache-control")).toBe("no-cache");
    const page = await app.request("/");
    expect(page.headers.get("cache-control")).toBe("no-cache");

    const map = await app.request("/assets/index-Bq3xY7kP.js.map");
    expect(map.status).toBe(404);
    expect((await map.json()).error.code).toBe("not_found");
  });

  it("answers /.well-known/* (OAuth discovery) with a JSON 404, not the page", async () => {
    const { app } = await setup({ dashboardDir: builtDashboard() });
    for (const path of ["/.well-known/oauth-authorization-server", "/.well-known/oauth-protected-resource/mcp"]) {
      const response = await app.request(path);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect((await response.json()).error.code).toBe("not_found");
    }
  });
});
