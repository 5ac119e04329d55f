import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ToolReply } from "./execute.js";
import { TOOL_NAME } from "./tool-input.js";

/** Why a remote call never reached the tool; `option` is the CLI option a person should fix. */
export class RemoteCallError extends Error {
  constructor(
    readonly option: "server" | "token",
    message: string,
  ) {
    super(`${option}: ${message}`);
    this.name = "RemoteCallError";
  }
}

/** The server's own `{ error: { message } }` when the body has one, so people read our words, not the SDK's wrapper. */
function serverMessage(text: string): string | undefined {
  const json = text.slice(text.indexOf("{"));
  try {
    const message = (JSON.parse(json) as { error?: { message?: unknown } }).error?.message;
    return typeof message === "string" ? message : undefined;
  } catch {
    return undefined;
  }
}

function explain(error: unknown, endpoint: URL): Error {
  if (error instanceof StreamableHTTPError) {
    const said = serverMessage(error.message);
    if (error.code === 401 || error.code === 403) return new RemoteCallError("token", said ?? error.message);
    if (error.code === 404 || error.code === 405)
      return new RemoteCallError("server", `${endpoint} does not serve MCP (HTTP ${error.code}); is it headway serve?`);
    return new RemoteCallError("server", `${endpoint} answered HTTP ${error.code}: ${said ?? error.message}`);
  }
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return new RemoteCallError(
      "server",
      `cannot reach ${endpoint} (${cause?.code ?? cause?.message ?? "fetch failed"})`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Calls `manage-progress` on a running `headway serve` through its `/mcp`
 * endpoint (`server` is its base URL, `/mcp` is appended), as the owner of `token` (an agent-scope token): the way to write
 * runs remotely, since the server's runs API is read-only.
 */
export async function callRemoteManageProgress(
  server: string,
  token: string,
  args: Record<string, unknown>,
): Promise<ToolReply> {
  let endpoint: URL;
  try {
    endpoint = new URL(server);
    // Keep any path prefix a proxy adds; accept the /mcp endpoint itself too.
    if (!endpoint.pathname.endsWith("/mcp")) endpoint.pathname = endpoint.pathname.replace(/\/?$/, "/mcp");
  } catch {
    throw new RemoteCallError("server", `must be a URL such as http://127.0.0.1:4317, got "${server}"`);
  }
  const client = new Client({ name: "headway-cli", version: "0.1.0" });
  const transport = new StreamableHTTPClientTransport(endpoint, {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  try {
    await client.connect(transport);
    const result = await client.callTool({ name: TOOL_NAME, arguments: args });
    const content = result.content as Array<{ type: string; text?: string }>;
    return {
      text: content.map((part) => part.text ?? "").join("\n"),
      isError: result.isError === true,
      structured: result.structuredContent as ToolReply["structured"],
    };
  } catch (error) {
    throw explain(error, endpoint);
  } finally {
    await client.close();
  }
}
