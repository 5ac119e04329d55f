import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Progress } from "../progress/index.js";
import { executeManageProgress } from "./execute.js";
import { manageProgressInput, TOOL_DESCRIPTION, TOOL_NAME } from "./tool-input.js";

const SERVER_INFO = { name: "headway", version: "0.1.0" };

/** An MCP server offering `manage-progress`, acting for one owner (the identity the connection proved). */
export function createMcpServer(progress: Progress, owner: string): McpServer {
  const server = new McpServer(SERVER_INFO);
  server.registerTool(
    TOOL_NAME,
    {
      title: "Manage progress",
      description: TOOL_DESCRIPTION,
      inputSchema: manageProgressInput,
      annotations: { openWorldHint: false },
    },
    async (args) => {
      const reply = await executeManageProgress(progress, owner, args);
      return {
        content: [{ type: "text" as const, text: reply.text }],
        structuredContent: reply.structured,
        isError: reply.isError,
      };
    },
  );
  return server;
}

/**
 * The `/mcp` endpoint of `headway serve` (MCP Streamable HTTP, stateless):
 * each request gets a server bound to the owner its bearer token proved, so
 * no state, session or owner can leak between callers.
 */
export function createMcpHttpHandler(progress: Progress): (request: Request, owner: string) => Promise<Response> {
  return async (request, owner) => {
    const server = createMcpServer(progress, owner);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request);
    } finally {
      // JSON responses are complete once returned; nothing stays open per request.
      await server.close();
    }
  };
}
