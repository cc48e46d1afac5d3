import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { NotesError, type NotesErrorCode } from '../domain/notes-error.js';

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

interface Entry {
  readonly status: number;
  readonly title: string;
}

/** Every code this API answers with besides the token codes of @gatehouse/verify, to its status and title. */
const CATALOGUE = {
  not_found: { status: 404, title: 'Not Found' },
  tag_name_taken: { status: 409, title: 'Conflict' },
  invalid_cursor: { status: 422, title: 'Unprocessable Content' },
  validation_failed: { status: 422, title: 'Unprocessable Content' },
  bad_request: { status: 400, title: 'Bad Request' },
  method_not_allowed: { status: 405, title: 'Method Not Allowed' },
  payload_too_large: { status: 413, title: 'Content Too Large' },
  unsupported_media_type: { status: 415, title: 'Unsupported Media Type' },
  internal_error: { status: 500, title: 'Internal Server Error' },
} as const satisfies Record<NotesErrorCode, Entry> & Record<string, Entry>;

type ProblemCode = keyof typeof CATALOGUE;
interface FieldError {
  readonly path: string;
  readonly message: string;
}
interface Problem {
  readonly code: ProblemCode;
  readonly detail: string;
  readonly errors?: readonly FieldError[];
}

/** Fastify's own errors, by code, to ours; any other 4xx falls back on its status. */
const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
};
const BY_STATUS: Record<number, ProblemCode> = { 404: 'not_found', 405: 'method_not_allowed', 413: 'payload_too_large', 415: 'unsupported_media_type' };

interface AjvIssue {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

/** Turns any error into a problem document (RFC 9457). Bad input is a 4xx; internals go to the log, never to the client. */
function toProblem(error: FastifyError & { validation?: AjvIssue[]; validationContext?: string }): Problem {
  if (error instanceof NotesError) return { code: error.code, detail: error.detail };
  if (error.validation) {
    const errors = error.validation.map((issue) => fieldError(issue, error.validationContext));
    return { code: 'validation_failed', detail: errors.map((field) => `${field.path}: ${field.message}`).join('; '), errors };
  }
  const code = (error.code && FASTIFY_CODES[error.code]) || undefined;
  if (code) return { code, detail: error.message };
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { code: BY_STATUS[status] ?? 'bad_request', detail: error.message };
  return { code: 'internal_error', detail: 'Something went wrong on our side' };
}

function fieldError(issue: AjvIssue, context: string | undefined): FieldError {
  const extra = issue.params.missingProperty ?? issue.params.additionalProperty;
  const path = `${issue.instancePath}${extra === undefined ? '' : `/${String(extra)}`}` || '/';
  const message =
    issue.keyword === 'additionalProperties' ? 'Unknown field; remove it' : issue.keyword === 'required' ? 'This field is required' : (issue.message ?? 'is not valid');
  return { path: context && context !== 'body' ? `${context}:${path}` : path, message };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  const { status, title } = CATALOGUE[problem.code];
  return reply
    .code(status)
    .type(PROBLEM_TYPE)
    .send({ type: 'about:blank', title, status, detail: problem.detail, code: problem.code, ...(problem.errors && { errors: problem.errors }) });
}

export function useProblemDetails(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error as FastifyError);
    if (problem.code === 'internal_error') request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, { code: 'not_found', detail: `No route ${request.method} ${request.url.split('?')[0]}` }));
}
