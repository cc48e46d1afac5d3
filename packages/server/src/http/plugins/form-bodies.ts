import type { FastifyInstance } from 'fastify';

/**
 * Parses application/x-www-form-urlencoded bodies in the calling scope only, so JSON routes keep refusing form
 * bodies (a CORS "simple request" a foreign page can send, CSRF CS). Repeated fields become arrays (then a 422).
 */
export function acceptFormBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const fields: Record<string, string | string[]> = Object.create(null);
    for (const [key, value] of new URLSearchParams(body as string)) {
      const previous = fields[key];
      fields[key] = previous === undefined ? value : ([] as string[]).concat(previous, value);
    }
    done(null, fields);
  });
}
