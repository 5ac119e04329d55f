/** A refusal from the Headway server, with its HTTP status and stable error code. */
export class HeadwayClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HeadwayClientError";
  }

  /** Retrying the same request cannot succeed (bad token, missing run, bad input). */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

function isErrorBody(body: unknown): body is { error: { code: string; message: string } } {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === "object" && error !== null && "code" in error && "message" in error;
}

/** The error a non-2xx response stands for, read from the server's `{ error: { code, message } }`. */
export async function errorFromResponse(response: Response): Promise<HeadwayClientError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's page, say): the status line is all there is.
  }
  if (isErrorBody(body)) return new HeadwayClientError(response.status, body.error.code, body.error.message);
  const text = response.statusText || "request failed";
  return new HeadwayClientError(response.status, `http_${response.status}`, `${response.status} ${text}`);
}
