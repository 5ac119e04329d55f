import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SchemaVersionError } from "../../src/core/index.js";
import { openStore, SQLITE_MIGRATIONS } from "../../src/store/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { runStoreContract } from "./store-contract.js";

runStoreContract("sqlite", { open: () => openStore(tempDatabasePath()) });

describe("SQLite store", () => {
  it("runs in WAL mode with synchronous=FULL by default", async () => {
    const path = tempDatabasePath();
    const store = openStore(path);
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    db.close();
    const { db: own } = store as unknown as { db: { pragma: (s: string, o: object) => unknown } };
    expect(own.pragma("synchronous", { simple: true })).toBe(2); // FULL
    await store.close();
  });

  it("refuses a database whose schema is newer than the code", async () => {
    const path = tempDatabasePath();
    await openStore(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openStore(path)).toThrow(SchemaVersionError);
    expect(() => openStore(path)).toThrow(/schema is version 2 but this Headway knows versions up to 1/);
  });

  it("rejects database URLs it cannot open, naming the URL", () => {
    expect(() => openStore("mysql://localhost/db")).toThrow(/unsupported database URL "mysql:\/\/localhost\/db"/);
  });
});
