import { Type } from 'typebox';

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details, sent as application/problem+json' },
);

export const MessageResponse = Type.Object({ message: Type.String(), success: Type.Boolean() });

/** A MessageResponse that, in development without SMTP only, also carries the mailed token (API.md "DEV ONLY"). */
export const DevTokenMessage = Type.Object({ message: Type.String(), success: Type.Boolean(), dev_token: Type.Optional(Type.String()) });

export function message(text: string): { message: string; success: true } {
  return { message: text, success: true };
}

/** The error answers a route can give, for the OpenAPI document. */
export function problems(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((status) => [status, Type.Ref('Problem')]));
}
