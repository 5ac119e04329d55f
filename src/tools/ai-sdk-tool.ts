import { tool } from "ai";
import { getDefaultProgress, type Progress } from "../progress/index.js";
import { executeManageProgress, type ToolReply } from "./execute.js";
import { manageProgressInput, TOOL_DESCRIPTION } from "./tool-input.js";

export interface ManageProgressToolOptions {
  /** Whose runs the agent writes: the signed-in user it works for. Never taken from the model. */
  owner: string;
  /** The instance to write through. (Default: the default instance) */
  progress?: Progress;
}

/** What the model gets back: the reply line plus the structured facts. */
export type ManageProgressToolOutput = ToolReply["structured"] & { message: string };

/**
 * `manage-progress` as an AI SDK tool, for `generateText` / `streamText`:
 *
 *     tools: { "manage-progress": manageProgressTool({ owner: user.email }) }
 */
export function manageProgressTool(options: ManageProgressToolOptions) {
  const { owner } = options;
  return tool({
    description: TOOL_DESCRIPTION,
    inputSchema: manageProgressInput,
    execute: async (input): Promise<ManageProgressToolOutput> => {
      const reply = await executeManageProgress(options.progress ?? getDefaultProgress(), owner, input);
      return { message: reply.text, ...reply.structured };
    },
  });
}
