import type { RunPatch } from "../../core/index.js";

/** Sends merged patches at most once per interval; the latest always lands (on the trailing edge or `flush`). */
export interface PatchThrottle {
  push(patch: RunPatch): void;
  /** Sends what is waiting now and resolves when it has been written. */
  flush(): Promise<void>;
}

/**
 * A command's output changes the step on nearly every line, and the run
 * handle writes each new step at once (right for a tool that names its
 * stages, wrong for a log), so `exec` merges lines here first.
 */
export function patchThrottle(send: (patch: RunPatch) => Promise<unknown>, intervalMs: number): PatchThrottle {
  let pending: RunPatch | null = null;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();
  const sendPending = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!pending) return inFlight;
    const patch = pending;
    pending = null;
    lastSentAt = Date.now();
    // A failed write (the run ended meanwhile) must not stop the output passing through.
    inFlight = Promise.resolve(patch)
      .then(send)
      .catch(() => {});
    return inFlight;
  };
  return {
    push(patch) {
      pending = { ...pending, ...patch };
      const wait = lastSentAt + intervalMs - Date.now();
      if (wait <= 0) void sendPending();
      else timer ??= setTimeout(sendPending, wait);
    },
    async flush() {
      await sendPending();
    },
  };
}
