import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/index.js";
import { type Backend, hashTokenSecret, openBackend } from "../../src/store/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { BACKENDS, type TestDatabase } from "../store/backends.js";

const opened: Backend[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((backend) => backend.close()));
});

describe("SQLite token store", () => {
  function open(path = tempDatabasePath()) {
    const backend = openBackend(path);
    opened.push(backend);
    return { tokens: backend.tokens, path };
  }

  it("stores only the SHA-256 hash of a token, and verifies the secret", async () => {
    const { tokens, path } = open();
    const { token, record } = await tokens.create({ owner: "ann@example.com", scope: "agent", label: "laptop" });
    expect(token).toMatch(/^hw_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ owner: "ann@example.com", scope: "agent", label: "laptop", revokedAt: null });
    const raw = new Database(path, { readonly: true });
    const rows = raw.prepare("SELECT * FROM api_tokens").all() as Array<Record<string, unknown>>;
    raw.close();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]?.hash).toBe(hashTokenSecret(token));
    expect(await tokens.verify(token)).toMatchObject({ id: record.id, owner: "ann@example.com", scope: "agent" });
    expect((await tokens.verify(token))?.lastUsedAt).not.toBeNull();
  });
});

for (const backendUnderTest of BACKENDS) {
  describe(`token store contract: ${backendUnderTest.name}`, () => {
    let database: TestDatabase;
    function open() {
      database ??= backendUnderTest.database();
      const backend = database.open();
      opened.push(backend);
      return { tokens: backend.tokens };
    }
    afterEach(() => {
      database = undefined as unknown as TestDatabase;
    });

    it("rejects unknown, malformed and revoked tokens", async () => {
      const { tokens } = open();
      const { token, record } = await tokens.create({ owner: "ann" });
      expect(record.scope).toBe("read");
      expect(await tokens.verify(`${token.slice(0, -1)}x`)).toBeNull();
      expect(await tokens.verify("not a token")).toBeNull();
      expect(await tokens.verify("")).toBeNull();
      const revoked = await tokens.revoke(record.id);
      expect(revoked?.revokedAt).not.toBeNull();
      expect(await tokens.verify(token)).toBeNull();
      expect(await tokens.revoke(record.id)).toMatchObject({ revokedAt: revoked?.revokedAt });
      expect(await tokens.revoke("tok_nope")).toBeNull();
    });

    it("lists tokens by owner, live ones unless asked for revoked", async () => {
      const { tokens } = open();
      const a = await tokens.create({ owner: "ann" });
      await tokens.create({ owner: "bob", label: "ci" });
      await tokens.revoke(a.record.id);
      expect((await tokens.list()).map((t) => t.owner)).toEqual(["bob"]);
      expect((await tokens.list({ includeRevoked: true })).map((t) => t.owner)).toEqual(["ann", "bob"]);
      expect(await tokens.list({ owner: "ann" })).toEqual([]);
      expect((await tokens.list({ owner: "ann", includeRevoked: true }))[0]?.id).toBe(a.record.id);
    });

    it("names the field and the limit on bad input, and stores nothing", async () => {
      const { tokens } = open();
      await expect(tokens.create({ owner: "ann", label: "x".repeat(201) })).rejects.toThrow(
        "label: must be at most 200 characters",
      );
      await expect(tokens.create({ owner: "" })).rejects.toThrow(ValidationError);
      // @ts-expect-error: a scope the type does not allow, as a CLI or JSON caller might send
      await expect(tokens.create({ owner: "ann", scope: "admin" })).rejects.toThrow(
        "scope: must be one of read, agent",
      );
      expect(await tokens.list({ includeRevoked: true })).toEqual([]);
    });

    it("survives reopening the database", async () => {
      const { tokens } = open();
      const { token } = await tokens.create({ owner: "ann" });
      await opened.pop()?.close();
      const again = open();
      expect(await again.tokens.verify(token)).toMatchObject({ owner: "ann" });
    });
  });
}
