import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { VARIABLES } from '../../src/config/variables.js';
import { ERROR_CATALOGUE, type ErrorCode, publicCode } from '../../src/errors/catalogue.js';

const SECRET = 'k7Q2mZ9xLwP4vB8nR1tY6uJ3hG5fD0sA';
const repoFile = (name: string) => readFileSync(new URL(`../../../../${name}`, import.meta.url), 'utf8');

function load(env: Record<string, string>, cwd = mkdtempSync(join(tmpdir(), 'gh-config-'))) {
  return loadConfig({ env, cwd, dotenv: true });
}

function failure(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults for a fresh development checkout', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gh-config-'));
    const { config, warnings } = load({}, cwd);
    expect(config).toMatchObject({
      environment: 'development',
      port: 8000,
      publicUrl: 'http://localhost:8000',
      database: { kind: 'sqlite', path: join(cwd, 'data', 'gatehouse.db') },
      accessTokenTtlSeconds: 1800,
      refreshTokenTtlSeconds: 7 * 86_400,
      refreshGraceSeconds: 10,
      registrationOpen: true,
      password: { minLength: 8, requireClasses: false },
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      trustProxy: false,
    });
    expect(Object.isFrozen(config) && Object.isFrozen(config.argon2)).toBe(true);
    expect(warnings[0]).toMatch(/AUTH_SECRET_KEY is not set: generated a development secret/);
  });

  it('generates the development secret once, keeps it private, and reuses it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gh-config-'));
    const first = load({}, cwd).config.secretKey;
    const file = join(cwd, 'data', 'secret.key');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o077).toBe(0);
    const second = load({}, cwd);
    expect(second.config.secretKey).toBe(first);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(second.warnings).toEqual([]);
  });

  it('refuses to start in production without a strong, non-example secret', () => {
    expect(failure({ ENVIRONMENT: 'production' }).message).toMatch(/^AUTH_SECRET_KEY is required when ENVIRONMENT=production/);
    expect(failure({ ENVIRONMENT: 'production', AUTH_SECRET_KEY: 'short' }).message).toMatch(/^AUTH_SECRET_KEY must be at least 32 characters/);
    expect(failure({ ENVIRONMENT: 'production', AUTH_SECRET_KEY: 'change-me-to-a-long-random-string-of-at-least-32-characters' }).message).toMatch(
      /example value/,
    );
    expect(failure({ ENVIRONMENT: 'production', AUTH_SECRET_KEY: 'a'.repeat(40) }).message).toMatch(/example value/);
    expect(load({ ENVIRONMENT: 'production', AUTH_SECRET_KEY: SECRET }).config.secretKey).toBe(SECRET);
  });

  it('reads mail settings: SMTP_URL before SMTP_HOST, a sender derived from PUBLIC_URL, links with {token}', () => {
    const base = { AUTH_SECRET_KEY: SECRET, PUBLIC_URL: 'https://id.example.org' };
    const plain = load(base).config;
    expect(plain.mail).toEqual({ smtp: undefined, from: { email: 'noreply@id.example.org', name: 'Gatehouse' } });
    expect(plain.links).toEqual({
      emailVerification: 'https://id.example.org/verify-email#token={token}',
      passwordReset: 'https://id.example.org/reset-password#token={token}',
    });
    expect(load({ ...base, SMTP_HOST: 'mail.local', SMTP_USER: 'u', SMTP_PASSWORD: 'p' }).config.mail.smtp).toEqual({
      host: 'mail.local',
      port: 587,
      user: 'u',
      password: 'p',
    });
    expect(load({ ...base, SMTP_URL: 'smtps://u:p@mail.local:465', SMTP_HOST: 'ignored' }).config.mail.smtp).toEqual({ url: 'smtps://u:p@mail.local:465' });
    expect(failure({ ...base, SMTP_URL: 'http://u:secret@mail.local' }).message).not.toContain('secret');
    expect(failure({ ...base, PASSWORD_RESET_URL: 'https://app.example.org/reset' }).variable).toBe('PASSWORD_RESET_URL');
    expect(failure({ ...base, EMAIL_VERIFICATION_URL: 'javascript:alert(1)//{token}' }).variable).toBe('EMAIL_VERIFICATION_URL');
    expect(load({ ...base, LOCKOUT_THRESHOLD: '3', LOCKOUT_MINUTES: '2', LOGIN_HISTORY_DAYS: '7' }).config).toMatchObject({
      lockout: { enabled: true, threshold: 3, durationMs: 120_000 },
      loginHistoryRetentionMs: 7 * 86_400_000,
    });
  });

  it('reads ALLOWED_ORIGINS as exact origins, always with the PUBLIC_URL origin, and refuses wildcards and paths', () => {
    const base = { AUTH_SECRET_KEY: SECRET, PUBLIC_URL: 'https://id.example.org/auth' };
    expect(load(base).config.allowedOrigins).toEqual(['https://id.example.org']);
    expect(load({ ...base, ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173/' }).config.allowedOrigins).toEqual([
      'https://id.example.org',
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    for (const bad of ['*', 'https://*.example.com', 'https://app.example.com/path', 'app.example.com', 'ftp://x.example']) {
      expect(failure({ ...base, ALLOWED_ORIGINS: bad }).variable).toBe('ALLOWED_ORIGINS');
    }
  });

  it('warns in production when no SMTP server is configured', () => {
    expect(load({ ENVIRONMENT: 'production', AUTH_SECRET_KEY: SECRET }).warnings.join('\n')).toMatch(/No SMTP server is configured/);
    expect(load({ ENVIRONMENT: 'production', AUTH_SECRET_KEY: SECRET, SMTP_HOST: 'mail.local' }).warnings).toEqual([]);
  });

  it('accepts SECRET_KEY as an alias and names it in errors', () => {
    expect(load({ SECRET_KEY: SECRET }).config.secretKey).toBe(SECRET);
    expect(failure({ SECRET_KEY: 'short' }).variable).toBe('SECRET_KEY');
  });

  it('names the variable in every validation error', () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ PORT: 'eighty' }, 'PORT', /whole number/],
      [{ PORT: '70000' }, 'PORT', /between 0 and 65535/],
      [{ ENVIRONMENT: 'staging' }, 'ENVIRONMENT', /one of development, production, test/],
      [{ REGISTRATION: 'maybe' }, 'REGISTRATION', /one of open, closed/],
      [{ TRUST_PROXY: 'perhaps' }, 'TRUST_PROXY', /true or false/],
      [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL', /http/],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /sqlite: or postgres/],
      [{ DATABASE_URL: 'sqlite::memory:' }, 'DATABASE_URL', /must name a file/],
      [{ REDIS_URL: 'http://x' }, 'REDIS_URL', /redis:\/\//],
      [{ ARGON2_MEMORY_KIB: '10' }, 'ARGON2_MEMORY_KIB', /between/],
      [{ PASSWORD_MIN_LENGTH: '4' }, 'PASSWORD_MIN_LENGTH', /between 8 and 128/],
      [{ ADMIN_EMAIL: 'a@example.com' }, 'ADMIN_PASSWORD', /together/],
    ];
    for (const [env, variable, problem] of cases) {
      const error = failure({ AUTH_SECRET_KEY: SECRET, ...env });
      expect(error.variable).toBe(variable);
      expect(error.message).toMatch(new RegExp(`^${variable} `));
      expect(error.message).toMatch(problem);
    }
  });

  it('understands the DATABASE_URL forms of API.md', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gh-config-'));
    const at = (url: string) => load({ AUTH_SECRET_KEY: SECRET, DATABASE_URL: url }, cwd).config.database;
    expect(at('sqlite:relative/path.db')).toEqual({ kind: 'sqlite', path: join(cwd, 'relative/path.db') });
    expect(at('sqlite:///tmp/abs.db')).toEqual({ kind: 'sqlite', path: '/tmp/abs.db' });
    expect(at('postgres://u:p@h:5432/db')).toEqual({ kind: 'postgres', url: 'postgres://u:p@h:5432/db' });
  });

  it('reads .env, with the environment taking precedence', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gh-config-'));
    writeFileSync(join(cwd, '.env'), `PORT=9001\nJWT_AUDIENCE=from-file\nAUTH_SECRET_KEY=${SECRET}\n`);
    const { config } = load({ PORT: '9002' }, cwd);
    expect(config.port).toBe(9002);
    expect(config.jwtAudience).toBe('from-file');
  });

  it('is documented: every variable appears in docs/configuration.md and .env.example with its default', () => {
    const docs = repoFile('docs/configuration.md');
    const example = repoFile('.env.example');
    const documented = [...docs.matchAll(/^\| `([A-Z0-9_]+)`/gm)].map((match) => match[1]);
    expect(documented).toEqual(Object.values(VARIABLES).map((variable) => variable.name));
    for (const variable of Object.values(VARIABLES)) {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${variable.name}\``)) ?? '';
      expect(row).toContain(variable.default === undefined ? '(unset)' : `\`${variable.default}\``);
      expect(example).toMatch(new RegExp(`^#? ?${variable.name}=`, 'm'));
    }
  });
});

describe('error catalogue', () => {
  it('is documented in docs/errors.md exactly', () => {
    const rows = [...repoFile('docs/errors.md').matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map(([, code, status, detail]) => [
      code,
      Number(status),
      detail,
    ]);
    expect(rows).toEqual(Object.keys(ERROR_CATALOGUE).map((code) => [publicCode(code as ErrorCode), ERROR_CATALOGUE[code as ErrorCode].status, ERROR_CATALOGUE[code as ErrorCode].detail]));
  });

  it('uses snake_case codes and never exposes internals in 5xx details', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(entry.detail).not.toMatch(/stack|sql|exception/i);
    }
  });
});
