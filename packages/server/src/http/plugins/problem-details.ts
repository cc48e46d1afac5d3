import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { AuthError, type FieldError } from '../../errors/auth-error.js';
import type { ErrorCode } from '../../errors/catalogue.js';

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const TOKEN_ERRORS = new Set<ErrorCode>(['invalid_token', 'token_expired', 'session_revoked']);

/** Fastify's own errors, by code, to ours. Anything else with a 4xx status falls back on its status. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_VALIDATION: 'validation_failed',
};
const BY_STATUS: Record<number, ErrorCode> = {
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  431: 'header_too_large',
};

export function sendProblem(reply: FastifyReply, error: AuthError): FastifyReply {
  if (error.status === 401) {
    reply.header('www-authenticate', TOKEN_ERRORS.has(error.code) ? 'Bearer error="invalid_token"' : 'Bearer');
  }
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply
    .code(error.status)
    .type(PROBLEM_TYPE)
    .send({
      type: 'about:blank',
      title: error.title,
      status: error.status,
      detail: error.detail,
      code: error.publicCode,
      ...(error.errors && { errors: error.errors }),
    });
}

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function fieldErrors(validation: readonly AjvError[], context: string | undefined): FieldError[] {
  return validation.map((issue) => {
    const extra = issue.params.missingProperty ?? issue.params.additionalProperty;
    const path = `${issue.instancePath}${extra === undefined ? '' : `/${String(extra)}`}` || '/';
    const message =
      issue.keyword === 'additionalProperties'
        ? 'Unknown field; remove it'
        : issue.keyword === 'required'
          ? 'This field is required'
          : (issue.message ?? 'is not valid');
    return { path: context && context !== 'body' ? `${context}:${path}` : path, message };
  });
}

/** Turns any error into a problem document (RFC 9457). Internals go to the log, never to the client. */
export function toAuthError(error: FastifyError | Error, isUnavailable: (error: unknown) => boolean): AuthError {
  if (error instanceof AuthError) return error;
  const fastifyError = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fastifyError.validation) {
    const errors = fieldErrors(fastifyError.validation, fastifyError.validationContext);
    const first = errors[0];
    return new AuthError('validation_failed', { detail: first ? `${first.path}: ${first.message}` : undefined, errors });
  }
  const code = (fastifyError.code && FASTIFY_CODES[fastifyError.code]) || undefined;
  if (code) return new AuthError(code);
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) return new AuthError(BY_STATUS[status] ?? 'bad_request');
  if (isUnavailable(error)) return new AuthError('service_unavailable', { cause: error });
  return new AuthError('internal_error', { cause: error });
}

export function useProblemDetails(app: FastifyInstance, isUnavailable: (error: unknown) => boolean): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toAuthError(error as FastifyError, isUnavailable);
    // Without a per-request child logger (levels above info) the request id has to be added here.
    const reqId = request.log === app.log ? { reqId: request.id } : {};
    if (problem.status >= 500) request.log.error({ err: error, ...reqId }, 'request failed');
    else if (!(error instanceof AuthError)) request.log.info({ code: problem.code, reason: (error as Error).message }, 'request rejected');
    if (problem.code === 'service_unavailable') reply.header('retry-after', '5');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new AuthError('not_found', { detail: `No route ${request.method} ${request.url.split('?')[0]}` })),
  );
}
