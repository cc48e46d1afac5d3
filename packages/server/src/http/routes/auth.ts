import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { pickDisplayName } from '../../domain/accounts/identity.js';
import { registerUser } from '../../domain/accounts/register-user.js';
import type { DomainContext } from '../../domain/context.js';
import { login } from '../../domain/sessions/login.js';
import { revokeSession } from '../../domain/sessions/revoke-session.js';
import { refreshSession } from '../../domain/tokens/refresh-session.js';
import { allow, anyCaller, anyone } from '../plugins/access.js';
import { callerOf, sessionCallerOf } from '../plugins/authenticate.js';
import { acceptFormBodies } from '../plugins/form-bodies.js';
import { requestInfo } from '../request-info.js';
import { MessageResponse, message, problems } from '../schemas/common.js';
import { TokenResponse, toTokenResponse } from '../schemas/token.js';
import { ProfileFields, toUserResponse, UserResponse } from '../schemas/user.js';

// Generous caps: the password policy gives the precise rule; these only stop absurd input early.
const Password = Type.String({ maxLength: 1024 });
const Identifier = Type.String({ maxLength: 320 });

const RegisterBody = Type.Object({ email: Type.String({ maxLength: 320 }), password: Password, ...ProfileFields }, { additionalProperties: false });
const LoginBody = Type.Object(
  { username: Identifier, password: Password, device_name: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
// OAuth2 password grant form (RFC 6749 §4.3), as FastAPI's OAuth2PasswordRequestForm sends it.
export const LoginForm = Type.Object(
  {
    username: Identifier,
    password: Password,
    grant_type: Type.Optional(Type.Literal('password')),
    scope: Type.Optional(Type.String({ maxLength: 1000 })),
    client_id: Type.Optional(Type.String({ maxLength: 200 })),
    client_secret: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const RefreshBody = Type.Object({ refresh_token: Type.String({ maxLength: 512 }) }, { additionalProperties: false });

const bearer = [{ bearerAuth: [] }];

/** Logout, whichever route it comes by: revokes the caller's own session (its refresh and access tokens at once). */
export async function endCallerSession(ctx: DomainContext, request: FastifyRequest): Promise<void> {
  const { sessionId, user } = sessionCallerOf(request);
  await revokeSession(ctx, { sessionId, userId: user.id, actorId: user.id, reason: 'logout', ip: requestInfo(request).ip });
}

/** /api/v1/auth: who may call each route is the first thing in its options. */
export function authRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/auth/register',
      { ...anyone, schema: { tags: ['auth'], summary: 'Create an account', body: RegisterBody, response: { 201: UserResponse, ...problems(403, 409, 422) } } },
      async (request, reply) => {
        const { email, password, username } = request.body;
        const user = await registerUser(ctx, { email, password, username, displayName: pickDisplayName(request.body) }, requestInfo(request));
        return reply.code(201).send(toUserResponse(user));
      },
    );

    app.post(
      '/auth/login',
      {
        ...anyone,
        schema: {
          tags: ['auth'],
          summary: 'Log in with a username or email and a password',
          body: LoginBody,
          response: { 200: TokenResponse, ...problems(401, 403, 422, 429) },
        },
      },
      async (request) => {
        const { username, password, device_name } = request.body;
        return toTokenResponse(
          await login(ctx, { identifier: username, password, deviceName: device_name, method: 'password' }, requestInfo(request)),
        );
      },
    );

    await app.register(async (form) => {
      acceptFormBodies(form);
      form.withTypeProvider<import('@fastify/type-provider-typebox').TypeBoxTypeProvider>().post(
        '/auth/login/form',
        {
          ...anyone,
          schema: {
            tags: ['auth'],
            summary: 'OAuth2 password grant (form-encoded)',
            consumes: ['application/x-www-form-urlencoded'],
            body: LoginForm,
            response: { 200: TokenResponse, ...problems(401, 403, 415, 422, 429) },
          },
        },
        async (request) => {
          const { username, password } = request.body;
          return toTokenResponse(await login(ctx, { identifier: username, password, method: 'password_form' }, requestInfo(request)));
        },
      );
    });

    app.post(
      '/auth/refresh',
      { ...anyone, schema: { tags: ['auth'], summary: 'Rotate a refresh token', body: RefreshBody, response: { 200: TokenResponse, ...problems(401, 422) } } },
      async (request) => toTokenResponse(await refreshSession(ctx, request.body.refresh_token, requestInfo(request))),
    );

    app.post(
      '/auth/logout',
      {
        ...anyCaller(ctx, { interactive: true }),
        schema: { tags: ['auth'], summary: "End the caller's session", security: bearer, response: { 200: MessageResponse, ...problems(401) } },
      },
      async (request) => {
        await endCallerSession(ctx, request);
        return message('Successfully logged out');
      },
    );

    app.get(
      '/auth/me',
      {
        ...allow(ctx, 'self:read'),
        schema: { tags: ['auth'], summary: 'The caller', security: bearer, response: { 200: UserResponse, ...problems(401, 403) } },
      },
      async (request) => toUserResponse(callerOf(request).user),
    );
  };
}
