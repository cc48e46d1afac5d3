import type { Operations } from './generated/api-types.js';

/** `METHOD /api/v1/...`, as the server's OpenAPI document names its operations. */
export type OperationKey = keyof Operations;
export type BodyOf<K extends OperationKey> = Operations[K] extends { body: infer B } ? B : never;
export type QueryOf<K extends OperationKey> = Operations[K] extends { query?: infer Q } ? NonNullable<Q> : never;
export type ResponseOf<K extends OperationKey> = Operations[K]['response'];
/** What a call sends: path params, query and body, each present only where the operation has them. */
export type InputOf<K extends OperationKey> = Omit<Operations[K], 'response'>;
