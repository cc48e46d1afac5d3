import { anyone } from '../plugins/access.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DomainContext } from '../../domain/context.js';
import { SIGNING_ALGORITHM } from '../../security/key-ring.js';

/** What resource servers need to trust Gatehouse tokens without calling it: the issuer and its public keys. */
export function wellKnownRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  const issuer = ctx.config.publicUrl;
  return async (app) => {
    app.get('/.well-known/jwks.json', { ...anyone, schema: { tags: ['well-known'], summary: 'Public signing keys (JWKS)' } }, async (_request, reply) => {
      // Short caching: a rotated-in key must reach verifiers well before it signs anything they will see.
      return reply.header('cache-control', 'public, max-age=300').send(ctx.keyRing.jwks());
    });
    app.get('/.well-known/openid-configuration', { ...anyone, schema: { tags: ['well-known'], summary: 'Discovery document' } }, async (_request, reply) => {
      return reply.header('cache-control', 'public, max-age=300').send({
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        token_endpoint: `${issuer}/api/v1/auth/login/form`,
        grant_types_supported: ['password', 'refresh_token'],
        response_types_supported: ['token'],
        token_endpoint_auth_methods_supported: ['none'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
        access_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
        claims_supported: ['iss', 'aud', 'sub', 'sid', 'jti', 'role', 'iat', 'exp'],
      });
    });
  };
}
