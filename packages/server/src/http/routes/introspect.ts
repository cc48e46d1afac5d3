import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DomainContext } from '../../domain/context.js';
import { introspectToken, ROLE_SCOPES } from '../../domain/tokens/introspect-token.js';
import { allowService } from '../plugins/access.js';
import { acceptFormBodies } from '../plugins/form-bodies.js';
import { problems } from '../schemas/common.js';

// RFC 7662 §2.1; `token_type_hint` values outside ours are allowed and ignored, as the RFC asks.
const IntrospectBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 4096 }), token_type_hint: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);
const IntrospectResponse = Type.Object(
  {
    active: Type.Boolean(),
    sub: Type.Optional(Type.String()),
    sid: Type.Optional(Type.String()),
    role: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String()),
    token_type: Type.Optional(Type.String()),
    iss: Type.Optional(Type.String()),
    aud: Type.Optional(Type.String()),
    iat: Type.Optional(Type.Integer()),
    exp: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

/**
 * `POST /api/v1/auth/introspect` (RFC 7662) for resource servers that need instant revocation. The token arrives in
 * the body, never the URL, and is not logged; the answer is `no-store` (§4: it may be cached only with care).
 */
export function introspectRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    // §2.1 specifies a form body; JSON is accepted too. Only API keys reach the handler, so no CSRF exposure.
    acceptFormBodies(app);
    app.withTypeProvider<TypeBoxTypeProvider>().post(
      '/auth/introspect',
      {
        ...allowService(ctx, 'tokens:introspect'),
        schema: {
          tags: ['auth'],
          summary: 'Token introspection (RFC 7662) for resource servers; an API key with the `introspect` scope',
          security: [{ apiKeyAuth: [] }],
          consumes: ['application/x-www-form-urlencoded', 'application/json'],
          body: IntrospectBody,
          response: { 200: IntrospectResponse, ...problems(401, 403, 415, 422) },
        },
      },
      async (request, reply) => {
        const answer = await introspectToken(ctx, request.body.token, request.body.token_type_hint);
        reply.header('cache-control', 'no-store');
        if (!answer.active) return { active: false };
        return {
          active: true,
          sub: answer.userId,
          sid: answer.sessionId,
          role: answer.role,
          scope: ROLE_SCOPES[answer.role].join(' '),
          client_id: answer.clientId,
          token_type: answer.tokenType,
          iss: ctx.config.publicUrl,
          aud: ctx.config.jwtAudience,
          ...(answer.issuedAt !== undefined && { iat: answer.issuedAt }),
          ...(answer.expiresAt !== undefined && { exp: answer.expiresAt }),
        };
      },
    );
  };
}
