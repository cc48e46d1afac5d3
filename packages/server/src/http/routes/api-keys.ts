import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type ApiKey, SCOPES } from '../../domain/api-keys/api-key.js';
import { createApiKey, listApiKeys, regenerateDefaultKey, revokeApiKey } from '../../domain/api-keys/manage-api-keys.js';
import type { DomainContext } from '../../domain/context.js';
import { allow } from '../plugins/access.js';
import { sessionCallerOf } from '../plugins/authenticate.js';
import { requestInfo } from '../request-info.js';
import { problems } from '../schemas/common.js';
import { listOf } from '../schemas/pagination.js';
import { iso, isoOrNull, NullableTime, Time } from '../schemas/fields.js';


const ApiKeyFields = {
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  created_at: Time,
  last_used_at: NullableTime,
  expires_at: NullableTime,
};
const ApiKeyResponse = Type.Object(ApiKeyFields, { title: 'ApiKey' });
/** The only answer that ever carries the key itself. */
const NewApiKeyResponse = Type.Object({ ...ApiKeyFields, key: Type.String() }, { title: 'NewApiKey' });
const CreateBody = Type.Object(
  {
    name: Type.String({ maxLength: 200 }),
    scopes: Type.Optional(Type.Array(Type.Unsafe<string>({ type: 'string', enum: [...SCOPES] }), { maxItems: SCOPES.length * 2 })),
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
const KeyId = Type.Object({ id: Type.String({ maxLength: 64 }) });
const bearer = [{ bearerAuth: [] }];

function toApiKeyResponse(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: [...key.scopes],
    created_at: iso(key.createdAt),
    last_used_at: isoOrNull(key.lastUsedAt),
    expires_at: isoOrNull(key.expiresAt),
  };
}

/** The caller's API keys. Managing keys needs a login session: a key gets 403 here (API.md). */
export function apiKeyRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const reading = allow(ctx, 'self:read', { interactive: true });
    const managing = allow(ctx, 'self:write', { interactive: true });

    app.get(
      '/auth/api-keys',
      { ...reading, schema: { tags: ['api-keys'], summary: "The caller's API keys (never the keys themselves)", security: bearer, response: { 200: listOf(ApiKeyResponse), ...problems(401, 403) } } },
      async (request) => {
        const keys = await listApiKeys(ctx, sessionCallerOf(request).user.id);
        return { items: keys.map(toApiKeyResponse), next_cursor: null, total: keys.length };
      },
    );

    app.post(
      '/auth/api-keys',
      {
        ...managing,
        schema: {
          tags: ['api-keys'],
          summary: 'Create an API key; the key is shown in this answer only',
          security: bearer,
          body: CreateBody,
          response: { 201: NewApiKeyResponse, ...problems(401, 403, 422) },
        },
      },
      async (request, reply) => {
        const { name, scopes, expires_in_days } = request.body;
        const created = await createApiKey(ctx, sessionCallerOf(request).user.id, { name, scopes, expiresInDays: expires_in_days }, requestInfo(request));
        return reply.code(201).send({ ...toApiKeyResponse(created.apiKey), key: created.key });
      },
    );

    app.delete(
      '/auth/api-keys/:id',
      { ...managing, schema: { tags: ['api-keys'], summary: 'Delete one of the caller’s API keys', security: bearer, params: KeyId, response: { 204: Type.Null(), ...problems(401, 403, 404) } } },
      async (request, reply) => {
        await revokeApiKey(ctx, sessionCallerOf(request).user.id, request.params.id, requestInfo(request));
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/auth/regenerate-api-key',
      {
        ...managing,
        schema: {
          tags: ['api-keys'],
          summary: 'Replace the caller’s keys named "default" with a new one (for old clients)',
          security: bearer,
          response: { 201: NewApiKeyResponse, ...problems(401, 403) },
        },
      },
      async (request, reply) => {
        const created = await regenerateDefaultKey(ctx, sessionCallerOf(request).user.id, requestInfo(request));
        return reply.code(201).send({ ...toApiKeyResponse(created.apiKey), key: created.key });
      },
    );
  };
}
