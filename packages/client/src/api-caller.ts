import { type Credentials, sendAuthorized } from './authorized-fetch.js';
import { GatehouseError } from './gatehouse-error.js';
import type { InputOf, OperationKey, ResponseOf } from './operations.js';
import { errorFromResponse, networkError } from './problem-response.js';

export interface ApiCallerOptions {
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly credentials: RequestCredentials | undefined;
  readonly auth: Credentials;
}

/** Calls one Gatehouse operation by its OpenAPI key; `anonymous` calls carry no credentials (login, refresh, reset). */
export type ApiCall = <K extends OperationKey>(operation: K, input: InputOf<K>, options?: { readonly anonymous?: boolean }) => Promise<ResponseOf<K>>;

export function createApiCaller(options: ApiCallerOptions): ApiCall {
  const base = options.baseUrl.replace(/\/+$/, '');
  return async (operation, input, { anonymous = false } = {}) => {
    const [method, template] = operation.split(' ') as [string, string];
    const { params, query, body } = input as { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown };
    const url = base + template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params?.[name] ?? '')) + queryString(query);
    const headers: Record<string, string> = { Accept: 'application/json' };
    // Only with a body: Fastify refuses an empty body declared as JSON.
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const init: RequestInit = {
      method,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      ...(options.credentials !== undefined && { credentials: options.credentials }),
    };
    const send = (sent: Headers) => options.fetch(url, { ...init, headers: sent }).catch((cause: unknown) => Promise.reject(networkError(cause)));
    const response = anonymous ? await send(new Headers(headers)) : await sendAuthorized(send, method, headers, options.auth);
    if (!response.ok) throw await errorFromResponse(response, options.now);
    if (response.status === 204) return undefined as ResponseOf<typeof operation>;
    try {
      return (await response.json()) as ResponseOf<typeof operation>;
    } catch (cause) {
      throw new GatehouseError({ status: response.status, code: 'invalid_response', detail: `${operation} answered ${response.status} with a body that is not JSON` }, { cause });
    }
  };
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
