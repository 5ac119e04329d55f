/**
 * A small Redis client (RESP2 over one TCP socket) that satisfies BullMQ's
 * `IRedisClient`, for `bench/peers.ts` when `ioredis` — BullMQ's optional
 * peer dependency — is not installed. It does what ioredis does by default
 * on the paths the benchmark uses: one connection per BullMQ connection, every
 * command written to the socket as it is issued (no auto-pipelining), replies
 * matched in order, Lua scripts run by EVALSHA with an EVAL fallback on
 * NOSCRIPT, bulk strings returned as UTF-8 strings.
 *
 * Not a general client: no reconnection, no cluster, no pub/sub, no TLS.
 */
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { connect, type Socket } from "node:net";
import { Readable } from "node:stream";

type Arg = string | number | Buffer;
type Reply = string | number | null | Error | Reply[];

export interface RespOptions {
  host?: string;
  port?: number;
  connectionName?: string;
  [key: string]: unknown;
}

class ReplyError extends Error {
  override name = "ReplyError";
}

const CLOSED = "Connection is closed.";
const CRLF = Buffer.from("\r\n");

function encode(args: readonly Arg[]): string | Buffer {
  let text = `*${args.length}\r\n`;
  let buffers: Buffer[] | undefined;
  for (const arg of args) {
    if (Buffer.isBuffer(arg)) {
      buffers ??= [];
      buffers.push(Buffer.from(`${text}$${arg.length}\r\n`), arg, CRLF);
      text = "";
    } else {
      const value = String(arg);
      text += `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
    }
  }
  if (!buffers) return text;
  if (text) buffers.push(Buffer.from(text));
  return Buffer.concat(buffers);
}

/**
 * Incremental RESP2 parser: feed chunks, get whole replies. Resumable: an
 * array reply that spans many chunks (a large XREAD) keeps its parsed items
 * on a stack, so each byte is parsed once.
 */
class Parser {
  private buffer: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  private readonly stack: Array<{ items: Reply[]; remaining: number }> = [];

  feed(chunk: Buffer, onReply: (reply: Reply) => void): void {
    const buffer = this.buffer.length > 0 ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    while (offset < buffer.length) {
      const end = buffer.indexOf(13, offset); // \r
      if (end < 0 || end + 1 >= buffer.length) break;
      const type = buffer[offset];
      const next = end + 2;
      let value: Reply;
      if (type === 36) {
        // $ bulk string
        const length = Number(buffer.toString("latin1", offset + 1, end));
        if (length < 0) {
          value = null;
          offset = next;
        } else {
          if (next + length + 2 > buffer.length) break;
          value = buffer.toString("utf8", next, next + length);
          offset = next + length + 2;
        }
      } else if (type === 42) {
        // * array
        const count = Number(buffer.toString("latin1", offset + 1, end));
        offset = next;
        if (count > 0) {
          this.stack.push({ items: [], remaining: count });
          continue;
        }
        value = count < 0 ? null : [];
      } else {
        const line = buffer.toString("utf8", offset + 1, end);
        offset = next;
        if (type === 43) value = line;
        else if (type === 45) value = new ReplyError(line);
        else if (type === 58) value = Number(line);
        else throw new Error(`unexpected RESP type byte ${type}`);
      }
      // Place the value in its array, closing every array it completes.
      for (;;) {
        const top = this.stack[this.stack.length - 1];
        if (!top) {
          onReply(value);
          break;
        }
        top.items.push(value);
        if (--top.remaining > 0) break;
        this.stack.pop();
        value = top.items;
      }
    }
    this.buffer = buffer.subarray(offset);
  }
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

interface Script {
  sha: string;
  lua: string;
  numberOfKeys: number;
}

const flatArgs = (args: unknown[]): unknown[] => (args.length === 1 && Array.isArray(args[0]) ? args[0] : args);

function scriptArgs(args: unknown[]): Arg[] {
  return flatArgs(args).map((a) => (Buffer.isBuffer(a) ? a : a === undefined || a === null ? "" : String(a)));
}

function pairsToObject(reply: Reply): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(reply))
    for (let i = 0; i + 1 < reply.length; i += 2) out[reply[i] as string] = reply[i + 1] as string;
  return out;
}

export class RespClient extends EventEmitter {
  readonly isCluster = false;
  options: RespOptions;
  private socket: Socket | undefined;
  private readonly parser = new Parser();
  private readonly pending: Pending[] = [];
  private readonly scripts: Map<string, Script>;
  private state: "wait" | "connecting" | "ready" | "end" = "wait";
  private connecting: Promise<void> | undefined;
  [command: string]: unknown;

  constructor(options: RespOptions = {}, scripts = new Map<string, Script>()) {
    super();
    this.options = options;
    this.scripts = scripts;
    this.setMaxListeners(100);
    // BullMQ connects through waitUntilReady (status 'wait' → connect()).
  }

  get status(): string {
    return this.state;
  }

  set status(value: string) {
    if (value === "end") this.state = "end";
  }

  connect(): Promise<void> {
    if (this.state === "ready") return Promise.resolve();
    this.connecting ??= new Promise<void>((resolve, reject) => {
      this.state = "connecting";
      const socket = connect({ host: this.options.host ?? "127.0.0.1", port: this.options.port ?? 6379 });
      socket.setNoDelay(true);
      this.socket = socket;
      socket.on("data", (chunk) => this.parser.feed(chunk, (reply) => this.onReply(reply)));
      socket.once("connect", async () => {
        this.state = "ready";
        try {
          if (this.options.connectionName) await this.call("CLIENT", "SETNAME", this.options.connectionName);
        } catch {
          // a name is a nicety
        }
        resolve();
        this.emit("ready");
      });
      socket.on("error", (error) => {
        if (this.state === "connecting") reject(error);
        if (this.listenerCount("error") > 0) this.emit("error", error);
      });
      socket.once("close", () => this.ended());
    });
    return this.connecting;
  }

  private ended(): void {
    this.state = "end";
    this.socket = undefined;
    const error = new Error(CLOSED);
    for (const waiter of this.pending.splice(0)) waiter.reject(error);
    this.emit("close");
    this.emit("end");
  }

  private onReply(reply: Reply): void {
    const waiter = this.pending.shift();
    if (!waiter) return;
    if (reply instanceof Error) waiter.reject(reply);
    else waiter.resolve(reply);
  }

  /** Sends one command; resolves with its reply. */
  call(...args: Arg[]): Promise<Reply> {
    const socket = this.socket;
    if (!socket || this.state !== "ready") return Promise.reject(new Error(CLOSED));
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      socket.write(encode(args));
    });
  }

  /** Sends several commands in one write; resolves with each reply or error. */
  callMany(commands: readonly Arg[][]): Promise<Array<Reply | Error>> {
    const socket = this.socket;
    if (!socket || this.state !== "ready") return Promise.reject(new Error(CLOSED));
    const replies = commands.map(
      () =>
        new Promise<Reply | Error>((resolve) => {
          this.pending.push({ resolve, reject: resolve });
        }),
    );
    const chunks = commands.map(encode);
    socket.write(
      chunks.every((c) => typeof c === "string")
        ? chunks.join("")
        : Buffer.concat(chunks.map((c) => (typeof c === "string" ? Buffer.from(c) : c))),
    );
    return Promise.all(replies);
  }

  disconnect(): void {
    if (this.socket) this.socket.destroy();
    else if (this.state !== "end") this.ended();
  }

  async quit(): Promise<string> {
    if (this.state !== "ready") {
      this.disconnect();
      return "OK";
    }
    const closed = new Promise((resolve) => this.once("end", resolve));
    const reply = await this.call("QUIT").catch(() => "OK");
    this.socket?.end();
    await closed;
    return String(reply);
  }

  duplicate(overrides: RespOptions = {}): RespClient {
    return new RespClient({ ...this.options, ...overrides }, this.scripts);
  }

  // ---- scripts

  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void {
    const sha = createHash("sha1").update(definition.lua).digest("hex");
    this.scripts.set(name, { sha, lua: definition.lua, numberOfKeys: definition.numberOfKeys });
    this[name] = (...args: unknown[]) => this.runCommand(name, args);
  }

  private script(name: string): Script {
    const script = this.scripts.get(name);
    if (!script) throw new Error(`unknown script command "${name}"`);
    return script;
  }

  async runCommand(name: string, args: unknown[]): Promise<Reply> {
    const script = this.script(name);
    const argv = scriptArgs(args);
    try {
      return await this.call("EVALSHA", script.sha, script.numberOfKeys, ...argv);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("NOSCRIPT")) {
        return this.call("EVAL", script.lua, script.numberOfKeys, ...argv);
      }
      throw error;
    }
  }

  /** EVALSHA for a pipeline, loading the script first so NOSCRIPT cannot happen there. */
  async scriptCommand(name: string, args: unknown[]): Promise<Arg[]> {
    const script = this.script(name);
    await this.call("SCRIPT", "LOAD", script.lua);
    return ["EVALSHA", script.sha, script.numberOfKeys, ...scriptArgs(args)];
  }

  multi(): Transaction {
    return new Transaction(this, true);
  }

  pipeline(): Transaction {
    return new Transaction(this, false);
  }

  // ---- commands BullMQ calls on a client

  async hgetall(key: string): Promise<Record<string, string>> {
    return pairsToObject(await this.call("HGETALL", key));
  }
  hget(key: string, field: string) {
    return this.call("HGET", key, field);
  }
  hmget(key: string, ...fields: string[]) {
    return this.call("HMGET", key, ...fields.flat());
  }
  hset(key: string, data: Record<string, string | number> | string, ...rest: Arg[]) {
    if (typeof data === "string") return this.call("HSET", key, data, ...rest);
    return this.call("HSET", key, ...Object.entries(data).flat());
  }
  hdel(key: string, ...fields: string[]) {
    return this.call("HDEL", key, ...fields);
  }
  hexists(key: string, field: string) {
    return this.call("HEXISTS", key, field);
  }
  get(key: string) {
    return this.call("GET", key);
  }
  set(key: string, value: string | number, options?: { PX?: number; EX?: number }) {
    if (options?.PX != null) return this.call("SET", key, value, "PX", options.PX);
    if (options?.EX != null) return this.call("SET", key, value, "EX", options.EX);
    return this.call("SET", key, value);
  }
  del(...keys: string[]) {
    return this.call("DEL", ...keys.flat());
  }
  zrange(key: string, start: number, end: number, options?: { WITHSCORES?: boolean }) {
    return options?.WITHSCORES
      ? this.call("ZRANGE", key, start, end, "WITHSCORES")
      : this.call("ZRANGE", key, start, end);
  }
  zrevrange(key: string, start: number, end: number, options?: { WITHSCORES?: boolean }) {
    return options?.WITHSCORES
      ? this.call("ZREVRANGE", key, start, end, "WITHSCORES")
      : this.call("ZREVRANGE", key, start, end);
  }
  zcard(key: string) {
    return this.call("ZCARD", key);
  }
  zscore(key: string, member: string) {
    return this.call("ZSCORE", key, member);
  }
  lrange(key: string, start: number, end: number) {
    return this.call("LRANGE", key, start, end);
  }
  llen(key: string) {
    return this.call("LLEN", key);
  }
  ltrim(key: string, start: number, end: number) {
    return this.call("LTRIM", key, start, end);
  }
  lpos(key: string, value: string) {
    return this.call("LPOS", key, value);
  }
  smembers(key: string) {
    return this.call("SMEMBERS", key);
  }
  xadd(
    key: string,
    id: string,
    fields: Record<string, string | number>,
    options?: { MAXLEN?: number; approximate?: boolean },
  ) {
    const args: Arg[] = ["XADD", key];
    if (options?.MAXLEN != null) args.push("MAXLEN", ...(options.approximate !== false ? ["~"] : []), options.MAXLEN);
    args.push(id, ...Object.entries(fields).flat());
    return this.call(...args);
  }
  xread(streams: Array<{ key: string; id: string }>, options?: { BLOCK?: number; COUNT?: number }) {
    const args: Arg[] = ["XREAD"];
    if (options?.BLOCK != null) args.push("BLOCK", options.BLOCK);
    if (options?.COUNT != null) args.push("COUNT", options.COUNT);
    args.push("STREAMS", ...streams.map((s) => s.key), ...streams.map((s) => s.id));
    return this.call(...args);
  }
  xtrim(key: string, strategy: "MAXLEN", threshold: number, options?: { approximate?: boolean }) {
    return this.call("XTRIM", key, strategy, ...(options?.approximate !== false ? ["~"] : []), threshold);
  }
  async bzpopmin(key: string, timeout: number) {
    return this.call("BZPOPMIN", key, timeout);
  }
  async info(): Promise<string> {
    return String(await this.call("INFO"));
  }
  clientSetName(name: string) {
    return this.call("CLIENT", "SETNAME", name);
  }
  async clientList(): Promise<string> {
    return String(await this.call("CLIENT", "LIST"));
  }
  async clientInfo(): Promise<string> {
    return String(await this.call("CLIENT", "INFO"));
  }
  async scan(cursor: string | number, options: { MATCH?: string; COUNT?: number } = {}) {
    const args: Arg[] = ["SCAN", cursor];
    if (options.MATCH != null) args.push("MATCH", options.MATCH);
    if (options.COUNT != null) args.push("COUNT", options.COUNT);
    return (await this.call(...args)) as [string, string[]];
  }
  scanStream(options: { match: string; count?: number }): Readable {
    const self = this;
    let cursor = "0";
    let done = false;
    return new Readable({
      objectMode: true,
      read() {
        if (done) {
          this.push(null);
          return;
        }
        self.scan(cursor, { MATCH: options.match, COUNT: options.count }).then(
          ([next, keys]) => {
            cursor = next;
            done = next === "0";
            this.push(keys);
          },
          (error: Error) => this.destroy(error),
        );
      },
    });
  }
}

/** MULTI/EXEC (or a plain pipeline): commands queued, sent in one write by exec(). */
class Transaction {
  private readonly commands: Array<Arg[] | Promise<Arg[]>> = [];

  constructor(
    private readonly client: RespClient,
    private readonly atomic: boolean,
  ) {}

  private add(...args: Arg[]): this {
    this.commands.push(args);
    return this;
  }

  hgetall(key: string) {
    return this.add("HGETALL", key);
  }
  hset(key: string, data: Record<string, string | number>) {
    return this.add("HSET", key, ...Object.entries(data).flat());
  }
  hscan(key: string, cursor: string | number, options?: { COUNT?: number }) {
    return options?.COUNT != null
      ? this.add("HSCAN", key, cursor, "COUNT", options.COUNT)
      : this.add("HSCAN", key, cursor);
  }
  smembers(key: string) {
    return this.add("SMEMBERS", key);
  }
  sscan(key: string, cursor: string | number, options?: { COUNT?: number }) {
    return options?.COUNT != null
      ? this.add("SSCAN", key, cursor, "COUNT", options.COUNT)
      : this.add("SSCAN", key, cursor);
  }
  zrange(key: string, start: number, end: number) {
    return this.add("ZRANGE", key, start, end);
  }
  lrange(key: string, start: number, end: number) {
    return this.add("LRANGE", key, start, end);
  }
  llen(key: string) {
    return this.add("LLEN", key);
  }
  del(...keys: string[]) {
    return this.add("DEL", ...keys.flat());
  }
  runCommand(name: string, args: unknown[]) {
    this.commands.push(this.client.scriptCommand(name, args));
    return this;
  }

  async exec(): Promise<Array<[Error | null, unknown]> | null> {
    const commands = await Promise.all(this.commands);
    if (!this.atomic) {
      const replies = await this.client.callMany(commands);
      return replies.map((reply) => (reply instanceof Error ? [reply, null] : [null, reply]));
    }
    const replies = await this.client.callMany([["MULTI"], ...commands, ["EXEC"]]);
    const results = replies[replies.length - 1];
    if (results instanceof Error) throw results;
    if (results === null) return null;
    return (results as Reply[]).map((reply) => (reply instanceof Error ? [reply, null] : [null, reply]));
  }
}
