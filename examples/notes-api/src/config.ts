import { isAbsolute, resolve } from 'node:path';

export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

/** The validated, frozen settings. Only this file reads the environment; everything else receives a Config. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly database: DatabaseTarget;
  readonly gatehouse: {
    /** Gatehouse's PUBLIC_URL: the `iss` every accepted token must carry. */
    readonly issuer: string;
    readonly audience: string;
    /** Where to fetch the signing keys when not at the issuer (an internal address, say). */
    readonly jwksUrl: string | undefined;
    /** An API key with scope `introspect`: when set, every request is checked with Gatehouse (instant revocation). */
    readonly introspectionKey: string | undefined;
    /** Where to introspect when not at the issuer. */
    readonly introspectionUrl: string | undefined;
  };
}

/** Bad configuration stops the start with a message naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const issuer = required(env, 'GATEHOUSE_URL');
  const jwksUrl = optional(env, 'GATEHOUSE_JWKS_URL');
  const introspectionUrl = optional(env, 'GATEHOUSE_INTROSPECT_URL');
  return deepFreeze({
    host: env.HOST?.trim() || '0.0.0.0',
    port: port(env.PORT),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    database: parseDatabaseUrl(env.DATABASE_URL, cwd),
    gatehouse: {
      issuer: url('GATEHOUSE_URL', issuer).replace(/\/+$/, ''),
      audience: env.GATEHOUSE_AUDIENCE?.trim() || 'gatehouse',
      jwksUrl: jwksUrl && url('GATEHOUSE_JWKS_URL', jwksUrl),
      introspectionKey: optional(env, 'GATEHOUSE_INTROSPECT_KEY'),
      introspectionUrl: introspectionUrl && url('GATEHOUSE_INTROSPECT_URL', introspectionUrl),
    },
  });
}

/** `sqlite:relative/path.db`, `sqlite:///absolute/path.db` or `postgres://…`, as Gatehouse itself reads it. */
export function parseDatabaseUrl(raw: string | undefined, cwd: string): DatabaseTarget {
  const value = raw?.trim() || 'sqlite:data/notes.db';
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: 'postgres', url: value };
  if (value.startsWith('sqlite:')) {
    const rest = value.slice('sqlite:'.length);
    const path = rest.startsWith('///') ? rest.slice(2) : rest.replace(/^\/\//, '');
    if (path === '' || path === ':memory:') throw new ConfigError('DATABASE_URL', 'must name a file (expected sqlite:path/to/notes.db)');
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  throw new ConfigError('DATABASE_URL', 'must start with sqlite: or postgres://');
}

function required(env: Env, name: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigError(name, 'is required');
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function url(name: string, value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new ConfigError(name, `must be an http(s) URL (got "${value}")`);
  return value;
}

function port(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 4000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError('PORT', `must be a port number (got "${raw}")`);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
