import { type LoggerOptions, stdSerializers } from 'pino';

const SECRET_QUERY = /([?&](?:token|access_token|refresh_token|api_key|ticket|code|password)=)[^&#]*/gi;

/** Tokens in URLs (WebSocket `?token=`, `?api_key=`) never reach the log (ASVS 16.2.5). */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}

/** pino options: request lines carry method, redacted URL and client IP; secret-bearing fields are censored. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.new_password',
        '*.current_password',
        '*.token',
        '*.refresh_token',
        '*.access_token',
        '*.api_key',
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      err: stdSerializers.err,
      req: (request: { method: string; url: string; ip?: string }) => ({ method: request.method, url: redactUrl(request.url), ip: request.ip }),
    },
  };
}
