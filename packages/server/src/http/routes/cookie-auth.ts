import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { DomainContext } from '../../domain/context.js';
import { cookieLogin } from '../../domain/sessions/login.js';
import { AuthError } from '../../errors/auth-error.js';
import { anyCaller, anyone } from '../plugins/access.js';
import { clearSessionCookies, setSessionCookies } from '../plugins/cookies.js';
import { fromAllowedOrigin } from '../plugins/csrf.js';
import { acceptFormBodies } from '../plugins/form-bodies.js';
import { requestInfo } from '../request-info.js';
import { problems } from '../schemas/common.js';
import { endCallerSession } from './auth.js';

const CookieLoginBody = Type.Object(
  { username: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1024 }), device_name: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

/**
 * Signs a browser in: checks the credentials as every login does and sets the session and CSRF cookies. Login CSRF:
 * a foreign page must not sign a browser into the attacker's account; non-browser clients send no Origin.
 */
export async function startBrowserSession(
  ctx: DomainContext,
  request: FastifyRequest,
  reply: FastifyReply,
  credentials: { readonly username: string; readonly password: string; readonly device_name?: string | undefined },
): Promise<void> {
  if ((request.headers.origin !== undefined || request.headers.referer !== undefined) && !fromAllowedOrigin(ctx, request)) {
    throw new AuthError('csrf_failed');
  }
  const { username, password, device_name } = credentials;
  const { user, session } = await cookieLogin(ctx, { identifier: username, password, deviceName: device_name }, requestInfo(request));
  setSessionCookies(reply, ctx.config, {
    session: ctx.sessionCookies.seal({ sessionId: session.id, userId: user.id, expiresAt: session.expiresAt }),
    csrf: ctx.sessionCookies.csrfToken(session.id),
    maxAgeSeconds: Math.floor((session.expiresAt - ctx.clock.now()) / 1000),
  });
}

/** Browser sign-in with cookies (API.md "Session cookie"). A new session, so a new cookie value, at every login. */
export function cookieAuthRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(async (scope) => {
      acceptFormBodies(scope);
      scope.withTypeProvider<TypeBoxTypeProvider>().post(
        '/auth/cookie/login',
        {
          ...anyone,
          schema: {
            tags: ['auth'],
            summary: 'Log in a browser: sets the gh_session (httpOnly) and gh_csrf cookies',
            consumes: ['application/json', 'application/x-www-form-urlencoded'],
            body: CookieLoginBody,
            response: { 204: Type.Null(), ...problems(401, 403, 415, 422, 429) },
          },
        },
        async (request, reply) => {
          await startBrowserSession(ctx, request, reply, request.body);
          return reply.code(204).send(null);
        },
      );
    });

    app.post(
      '/auth/cookie/logout',
      {
        ...anyCaller(ctx, { interactive: true }),
        schema: { tags: ['auth'], summary: 'End the browser session and clear its cookies', response: { 204: Type.Null(), ...problems(401, 403) } },
      },
      async (request, reply) => {
        await endCallerSession(ctx, request);
        clearSessionCookies(reply, ctx.config);
        return reply.code(204).send(null);
      },
    );
  };
}
