/**
 * The agent tool `manage-progress`: one definition, served over MCP (stdio and
 * Streamable HTTP), as an AI SDK tool, and from the CLI.
 * @module
 */
export { type ManageProgressToolOptions, type ManageProgressToolOutput, manageProgressTool } from "./ai-sdk-tool.js";
export { executeManageProgress, type ToolReply } from "./execute.js";
export {
  type CallToolAsRunOptions,
  callToolAsRun,
  type McpProgressNotification,
  type McpToolCaller,
} from "./mcp-progress.js";
export { createMcpHttpHandler, createMcpServer } from "./mcp-server.js";
export { callRemoteManageProgress, RemoteCallError } from "./remote-call.js";
export {
  type ManageProgressInput,
  manageProgressInput,
  manageProgressInputShape,
  TOOL_DESCRIPTION,
  TOOL_NAME,
} from "./tool-input.js";
