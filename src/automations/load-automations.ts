import { type FSWatcher, watch } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Automation, AutomationFileError, parseAutomationFile } from "./automation-file.js";

/** One problem in one file of the folder; the other files still load. */
export interface AutomationLoadError {
  file: string;
  /** 1-based line of the file; 0 when the file (or folder) could not be read at all. */
  line: number;
  /** 1-based column, when the problem has a place within the line (a condition's error). */
  column?: number;
  message: string;
}

/** `file:line:column: message`, as compilers print it (editors open the place). */
export function formatLoadError(error: AutomationLoadError): string {
  const where = error.line > 0 ? `:${error.line}${error.column ? `:${error.column}` : ""}` : "";
  return `${error.file}${where}: ${error.message}`;
}

export interface LoadedAutomations {
  /** The automations that loaded, in file-name order. */
  automations: Automation[];
  errors: AutomationLoadError[];
}

/**
 * Reads every `*.md` file in `dir` (not sub-folders). A bad file becomes entries in `errors`
 * and never stops the others. A missing folder is no automations and no errors.
 */
export async function loadAutomations(dir: string): Promise<LoadedAutomations> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith(".md"))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { automations: [], errors: [] };
    return { automations: [], errors: [{ file: dir, line: 0, message: `cannot read the folder: ${String(error)}` }] };
  }
  const automations: Automation[] = [];
  const errors: AutomationLoadError[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      // Removed between readdir and read: it is simply gone.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      errors.push({ file, line: 0, message: `cannot read the file: ${String(error)}` });
      continue;
    }
    try {
      automations.push(parseAutomationFile(text, file));
    } catch (error) {
      if (error instanceof AutomationFileError) {
        for (const problem of error.problems) {
          const { line, column, message } = problem;
          errors.push(column ? { file, line, column, message } : { file, line, message });
        }
      } else {
        errors.push({ file, line: 0, message: String(error) });
      }
    }
  }
  return { automations, errors };
}

export interface WatchAutomationsOptions {
  /** Quiet time after the last change before reloading, in ms. (Default: 100) */
  debounceMs?: number;
  /** A watcher failure (the folder removed, too many watchers); the watch stops. (Default: ignored) */
  onError?: (error: Error) => void;
}

/**
 * Loads `dir` now and again after every change (debounced), calling `onChange` with each result,
 * the first one included. Reloads never overlap; a change during a reload schedules one more.
 * Returns a function that stops watching; after it, `onChange` is not called again.
 */
export function watchAutomations(
  dir: string,
  onChange: (loaded: LoadedAutomations) => void,
  options: WatchAutomationsOptions = {},
): () => void {
  const debounceMs = options.debounceMs ?? 100;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let loading = false;
  let again = false;

  const reload = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        const loaded = await loadAutomations(dir);
        if (stopped) return;
        try {
          onChange(loaded);
        } catch (error) {
          options.onError?.(error instanceof Error ? error : new Error(String(error)));
        }
      } while (again && !stopped);
    } finally {
      loading = false;
    }
  };

  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), debounceMs);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, schedule);
    watcher.on("error", (error) => {
      watcher?.close();
      options.onError?.(error);
    });
  } catch (error) {
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  }
  // Watch first, then load, so a change made during the first load is not missed.
  void reload();

  return () => {
    stopped = true;
    clearTimeout(timer);
    watcher?.close();
  };
}
