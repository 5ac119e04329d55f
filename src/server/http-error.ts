import type { ContentfulStatusCode } from "hono/utils/http-status";
import { HeadwayError, ValidationError } from "../core/index.js";

/** The body of every error the server sends: a stable `code` for programs, a `message` for people. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** An HTTP error that knows its response. Thrown from handlers; turned into JSON by `errorResponse`. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }

  toResponse(): Response {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    return Response.json(body, { status: this.status, headers: this.headers });
  }
}

export function runNotFound(id: string): HttpError {
  // Another owner's run gets the same answer as a missing one, on purpose.
  return new HttpError(404, "run_not_found", `run ${id} not found`);
}

/**
 * Maps anything a handler threw to a JSON response: our errors keep their
 * status, bad input is a 400 naming the field, the unknown is logged and a 500.
 */
export function errorResponse(error: unknown, log: (error: unknown) => void): Response {
  if (error instanceof HttpError) return error.toResponse();
  if (error instanceof ValidationError) return new HttpError(400, error.code, error.message).toResponse();
  if (error instanceof HeadwayError) return new HttpError(400, error.code, error.message).toResponse();
  log(error);
  return new HttpError(500, "internal_error", "the server failed to handle this request; see its log").toResponse();
}
