import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/index.js";
import { type Backend, hashTokenSecret, openBackend } from "../../src/store/index.js";
import { adminClient, freshSchema, POSTGRES_AVAILABLE, POSTGRES_TEST_URL } from "../helpers/postgres.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

/** The TokenStore's behaviour, run on both backends so PostgreSQL's is SQLite's, statement for statement. */
const opened: Backend[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((backend) => backend.close()));
});

let now = Date.parse("2026-01-01T00:00:00Z");
const clock = () => now;

type Target = [name: string, open: (place?: string) => { backend: Backend; place: string }];
const TARGETS: Target[] = [
  ["sqlite", (place = tempDatabasePath()) => ({ backend: openBackend(place, { tokens: { clock } }), place })],
  ...(POSTGRES_AVAILABLE
    ? ([
        [
          "postgres",
          (place = freshSchema()) => ({
            backend: openBackend(POSTGRES_TEST_URL, { schema: place, maxConnections: 2, tokens: { clock } }),
            place,
          }),
        ],
      ] satisfies Target[])
    : []),
];

describe.each(TARGETS)("token store: %s", (_name, openTarget) => {
  function open(place?: string) {
    now = Date.parse("2026-01-01T00:00:00Z");
    const target = openTarget(place);
    opened.push(target.backend);
    return { tokens: target.backend.tokens, place: target.place, backend: target.backend };
  }

  it("verifies a secret, touches lastUsedAt at most once a minute, and rejects junk", async () => {
    const { tokens } = open();
    const { token, record } = await tokens.create({ owner: "ann@example.com", scope: "agent", label: "laptop" });
    expect(token).toMatch(/^hw_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ owner: "ann@example.com", scope: "agent", label: "laptop", revokedAt: null });
    expect(await tokens.verify(token)).toMatchObject({ id: record.id, lastUsedAt: "2026-01-01T00:00:00.000Z" });
    now += 30_000;
    expect((await tokens.verify(token))?.lastUsedAt).toBe("2026-01-01T00:00:00.000Z");
    now += 30_000;
    expect((await tokens.verify(token))?.lastUsedAt).toBe("2026-01-01T00:01:00.000Z");
    expect(await tokens.verify(`${token.slice(0, -1)}x`)).toBeNull();
    expect(await tokens.verify("not a token")).toBeNull();
  });

  it("revokes (twice harmlessly), lists live ones in creation order unless asked for revoked", async () => {
    const { tokens } = open();
    const a = await tokens.create({ owner: "ann" });
    const b = await tokens.create({ owner: "bob", label: "ci" });
    const c = await tokens.create({ owner: "ann" });
    const revoked = await tokens.revoke(a.record.id);
    expect(revoked?.revokedAt).toBe("2026-01-01T00:00:00.000Z");
    expect(await tokens.verify(a.token)).toBeNull();
    expect(await tokens.revoke(a.record.id)).toMatchObject({ revokedAt: revoked?.revokedAt });
    expect(await tokens.revoke("tok_nope")).toBeNull();
    expect((await tokens.list()).map((t) => t.id)).toEqual([b.record.id, c.record.id]);
    expect((await tokens.list({ includeRevoked: true })).map((t) => t.id)).toEqual([
      a.record.id,
      b.record.id,
      c.record.id,
    ]);
    expect((await tokens.list({ owner: "ann" })).map((t) => t.id)).toEqual([c.record.id]);
  });

  it("expires a token after its ttl, renews a live one, and refuses to renew a dead one", async () => {
    const { tokens } = open();
    const { token, record } = await tokens.create({ owner: "ann", ttlMs: 60_000 });
    expect(record.expiresAt).toBe("2026-01-01T00:01:00.000Z");
    now += 50_000;
    expect(await tokens.renew(record.id, 60_000)).toMatchObject({ expiresAt: "2026-01-01T00:01:50.000Z" });
    now += 59_000;
    expect(await tokens.verify(token)).not.toBeNull();
    now += 2000;
    expect(await tokens.verify(token)).toBeNull();
    expect(await tokens.renew(record.id, 60_000)).toBeNull();
    expect(await tokens.list()).toEqual([]);
  });

  it("trades a live token for sessions that end with sign-out, expiry, or the token's revocation", async () => {
    const { tokens } = open();
    const { record } = await tokens.create({ owner: "ann" });
    const first = await tokens.createSession(record.id, 10_000);
    expect(first?.secret).toMatch(/^hws_/);
    expect(first?.session).toMatchObject({ tokenId: record.id, owner: "ann", expiresAt: "2026-01-01T00:00:10.000Z" });
    expect(await tokens.verifySession(first?.secret ?? "")).toMatchObject({ id: first?.session.id });
    expect(await tokens.revokeSession(first?.secret ?? "")).toBe(true);
    expect(await tokens.revokeSession(first?.secret ?? "")).toBe(false);
    expect(await tokens.verifySession(first?.secret ?? "")).toBeNull();

    const second = await tokens.createSession(record.id, 10_000);
    now += 10_000;
    expect(await tokens.verifySession(second?.secret ?? "")).toBeNull();
    const third = await tokens.createSession(record.id, 10_000);
    await tokens.revoke(record.id);
    expect(await tokens.verifySession(third?.secret ?? "")).toBeNull();
    expect(await tokens.createSession(record.id, 10_000)).toBeNull();
    expect(await tokens.verifySession("hws_junk")).toBeNull();
    expect(await tokens.revokeSession("junk")).toBe(false);
  });

  it("names the field and the limit on bad input, and stores nothing", async () => {
    const { tokens } = open();
    await expect(tokens.create({ owner: "ann", label: "x".repeat(201) })).rejects.toThrow(
      "label: must be at most 200 characters",
    );
    await expect(tokens.create({ owner: "" })).rejects.toThrow(ValidationError);
    expect(await tokens.list({ includeRevoked: true })).toEqual([]);
  });

  it("keeps tokens across reopening, stored only as hashes", async () => {
    const { tokens, place, backend } = open();
    const { token } = await tokens.create({ owner: "ann" });
    await backend.close();
    const again = open(place);
    expect(await again.tokens.verify(token)).toMatchObject({ owner: "ann" });
    if (backend.kind !== "postgres") return;
    const sql = adminClient();
    const rows = await sql.unsafe(`SELECT * FROM "${place}".api_tokens`);
    await sql.end({ timeout: 1 });
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]?.hash).toBe(hashTokenSecret(token));
  });
});
