import { Type } from 'typebox';

// `type: [x, 'null']` rather than anyOf: fast-json-stringify serialises it directly, while anyOf makes it run a
// validator per field to pick a branch, on every response of the authenticated hot path.
export const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });
export const Time = Type.String({ format: 'date-time' });
export const NullableTime = Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time' });

/** Times travel as ISO-8601 UTC strings (API.md "Conventions"); inside they are epoch milliseconds. */
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
