// Placeholder until this command lands; see the open issues.
export async function run(_argv: string[]): Promise<number> {
  console.error("headway tokens: not available in this build yet");
  return 2;
}
