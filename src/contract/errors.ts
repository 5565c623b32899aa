/**
 * The one registry of error codes. The REST API answers `{ error: { code, message, details? } }`
 * with the HTTP status listed here; the CLI prints the message and exits with `exit`.
 * `docs/errors.md` lists the same codes; a test keeps the two in step.
 */
export const ERROR_CODES = {
  BAD_REQUEST: {
    http: 400,
    exit: 2,
    summary: "The request is malformed (bad JSON, JSON nested deeper than 64 levels, wrong types, unknown fields).",
  },
  INVALID_INPUT: {
    http: 400,
    exit: 2,
    summary: "A workflow input is unknown, missing, of the wrong type, or not one of its choices.",
  },
  INVALID_NAME: {
    http: 400,
    exit: 2,
    summary:
      "A secret, variable or artifact name is not allowed (path traversal, absolute path, bad characters, a GITHUB_ prefix).",
  },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, exit: 2, summary: "A mutating request was not sent as application/json." },
  PAYLOAD_TOO_LARGE: { http: 413, exit: 2, summary: "The request body is larger than the runner accepts." },
  REQUEST_TIMEOUT: {
    http: 408,
    exit: 2,
    summary:
      "The request's headers (or body) did not arrive in time (`STAX_HEADERS_TIMEOUT_SECONDS`); the connection is closed.",
  },
  HEADERS_TOO_LARGE: { http: 431, exit: 2, summary: "The request's headers are larger than the runner accepts." },
  UNAUTHORIZED: { http: 401, exit: 2, summary: "A token is required and was missing or wrong." },
  FORBIDDEN_HOST: { http: 403, exit: 2, summary: "The Host header does not name the runner (DNS rebinding guard)." },
  FORBIDDEN_ORIGIN: { http: 403, exit: 2, summary: "The Origin is not in the CORS allow-list." },
  NOT_FOUND: { http: 404, exit: 2, summary: "No such route." },
  METHOD_NOT_ALLOWED: { http: 405, exit: 2, summary: "The route exists but not with this HTTP method." },
  WORKFLOW_NOT_FOUND: { http: 404, exit: 2, summary: "No workflow has that file name or `name:`." },
  WORKFLOW_INVALID: {
    http: 422,
    exit: 2,
    summary: "The workflow file has errors; details list each with file, line and column.",
  },
  RUN_NOT_FOUND: { http: 404, exit: 2, summary: "No run has that id, number or prefix." },
  RUN_AMBIGUOUS: { http: 400, exit: 2, summary: "The id prefix matches more than one run." },
  RUN_FINISHED: { http: 409, exit: 1, summary: "The run has already completed (cancel of a finished run)." },
  RUN_ACTIVE: { http: 409, exit: 1, summary: "The run is still running (delete of an active run)." },
  RUN_NOT_HERE: {
    http: 409,
    exit: 1,
    summary:
      "No live process executes the unfinished run (a crash left it; the next runner start marks it cancelled), so there is nothing to cancel.",
  },
  STEP_NOT_FOUND: { http: 404, exit: 2, summary: "The run has no job of that id, or the job no step of that number." },
  ARTIFACT_NOT_FOUND: { http: 404, exit: 2, summary: "The run has no artifact of that name." },
  ARTIFACT_GONE: {
    http: 410,
    exit: 2,
    summary:
      "The artifact is recorded but its files are no longer in the store (deleted beside stax); the message names no path.",
  },
  CACHE_NOT_FOUND: { http: 404, exit: 2, summary: "The runner's actions/cache folder has no entry of that id." },
  SECRET_NOT_FOUND: { http: 404, exit: 2, summary: "No secret has that name." },
  VAR_NOT_FOUND: { http: 404, exit: 2, summary: "No repository variable has that name." },
  SECRET_UNREADABLE: {
    http: 409,
    exit: 2,
    summary:
      "A secret the workflow uses does not decrypt with the secrets key in use (it was stored under another key); the message names both.",
  },
  STORE_UNAVAILABLE: {
    http: 503,
    exit: 2,
    summary:
      "The store cannot be opened or reached (corrupt or locked file, no permission, database down); the message names it and the cause.",
  },
  RUNNER_UNAVAILABLE: { http: 503, exit: 2, summary: "The runner is not answering." },
  TOO_MANY_CONNECTIONS: {
    http: 503,
    exit: 1,
    summary:
      "The client (by address), or all clients, hold as many connections or SSE streams as the runner allows; `Retry-After` says when to try again.",
  },
  FETCH_FAILED: {
    http: 502,
    exit: 1,
    summary:
      "What a command fetches (an action's repository, a Node build from the registry) could not be had: offline, not there, or not matching its integrity; the message says which and how to do without.",
  },
  CONFIG_INVALID: {
    http: 500,
    exit: 2,
    summary: "A configuration variable has an invalid value; the message names it.",
  },
  INTERNAL: { http: 500, exit: 2, summary: "A bug in stax; the runner keeps serving." },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** An error that knows its code; thrown by the server's handlers and by the CLI's client. */
export class StaxError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "StaxError";
  }
  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
  toBody(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** The message of a thrown value: an Error's own message, anything else as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
