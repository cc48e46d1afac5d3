import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DomainContext } from '../../domain/context.js';
import { login } from '../../domain/sessions/login.js';
import { AuthError } from '../../errors/auth-error.js';
import { anyCaller, anyone } from '../plugins/access.js';
import { callerOf } from '../plugins/authenticate.js';
import { clearSessionCookies } from '../plugins/cookies.js';
import { acceptFormBodies } from '../plugins/form-bodies.js';
import { requestInfo } from '../request-info.js';
import { problems } from '../schemas/common.js';
import { TokenResponse } from '../schemas/token.js';
import { endCallerSession, LoginForm } from './auth.js';
import { startBrowserSession } from './cookie-auth.js';
import { createUserRoute } from './user-management.js';
import { ownProfileRoutes } from './users.js';

const TAGS = ['compatibility'] as const;

/** fastapi-users' BearerResponse: the token and its type, nothing more. */
const BearerResponse = Type.Pick(TokenResponse, ['access_token', 'token_type'], { title: 'BearerResponse' });

/**
 * fastapi-users answers a failed login with 400 and a `detail` its clients compare against: LOGIN_BAD_CREDENTIALS for
 * a wrong password, an unknown user or an inactive one (it tells them apart for no one), LOGIN_USER_NOT_VERIFIED when
 * verification is required. Lockout and rate limits keep their own 429s: a client must back off either way.
 */
function asFastapiUsersError(error: unknown): unknown {
  if (!(error instanceof AuthError)) return error;
  switch (error.code) {
    case 'invalid_credentials':
    case 'account_inactive':
    case 'account_suspended':
      return new AuthError('login_bad_credentials');
    case 'email_not_verified':
      return new AuthError('login_user_not_verified');
    default:
      return error;
  }
}

async function answeringLikeFastapiUsers<T>(attempt: Promise<T>): Promise<T> {
  try {
    return await attempt;
  } catch (error) {
    throw asFastapiUsersError(error);
  }
}

/**
 * Routes at the root for clients written against a fastapi-users back end (API.md "Compatibility routes"), served
 * while COMPAT_ROUTES=true. Each calls the same use-case as its canonical twin under /api/v1, so lockout, rate
 * limits, audit and login history apply alike; only the answers' shapes follow fastapi-users.
 */
export function compatRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(async (form) => {
      acceptFormBodies(form);
      const routes = form.withTypeProvider<TypeBoxTypeProvider>();

      routes.post(
        '/auth/jwt/login',
        {
          ...anyone,
          schema: {
            tags: [...TAGS],
            summary: 'fastapi-users JWT login: form `username` (the email, or a username) and `password`',
            consumes: ['application/x-www-form-urlencoded'],
            body: LoginForm,
            response: { 200: BearerResponse, ...problems(400, 415, 422, 429) },
          },
        },
        async (request) => {
          const { username, password } = request.body;
          const pair = await answeringLikeFastapiUsers(login(ctx, { identifier: username, password, method: 'compat_form' }, requestInfo(request)));
          return { access_token: pair.accessToken, token_type: 'bearer' as const };
        },
      );

      routes.post(
        '/auth/cookie/login',
        {
          ...anyone,
          schema: {
            tags: [...TAGS],
            summary: 'fastapi-users cookie login (form): sets the gh_session and gh_csrf cookies',
            consumes: ['application/x-www-form-urlencoded'],
            body: LoginForm,
            response: { 204: Type.Null(), ...problems(400, 403, 415, 422, 429) },
          },
        },
        async (request, reply) => {
          await answeringLikeFastapiUsers(startBrowserSession(ctx, request, reply, request.body));
          return reply.code(204).send(null);
        },
      );
    });

    app.post(
      '/auth/logout',
      {
        ...anyCaller(ctx, { interactive: true }),
        schema: {
          tags: [...TAGS],
          summary: "fastapi-users logout: ends the caller's session (bearer token or cookie) and clears the cookies",
          security: [{ bearerAuth: [] }, { cookieAuth: [] }],
          response: { 204: Type.Null(), ...problems(401, 403) },
        },
      },
      async (request, reply) => {
        await endCallerSession(ctx, request);
        if (callerOf(request).kind === 'cookie') clearSessionCookies(reply, ctx.config);
        return reply.code(204).send(null);
      },
    );

    await app.register(ownProfileRoutes(ctx, TAGS), { prefix: '/api' });
    await app.register(createUserRoute(ctx, '/create_user', TAGS), { prefix: '/api' });
  };
}
