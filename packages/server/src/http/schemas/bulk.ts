import { Type } from 'typebox';
import { ROLES, type Role } from '../../domain/accounts/user.js';
import { BULK_ACTIONS, type BulkAction, MAX_BULK_IDS } from '../../domain/admin/bulk.js';

// Duplicate ids are refused by the domain (422 naming the repeated one), for the CLI's sake too.
export const BulkBody = Type.Object(
  {
    action: Type.Unsafe<BulkAction>({ type: 'string', enum: [...BULK_ACTIONS] }),
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: MAX_BULK_IDS }),
    role: Type.Optional(Type.Unsafe<Role>({ type: 'string', enum: [...ROLES] })),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const BulkResponse = Type.Object(
  {
    results: Type.Array(Type.Object({ id: Type.String(), ok: Type.Boolean(), error: Type.Optional(Type.String()) })),
  },
  { title: 'BulkResults' },
);
