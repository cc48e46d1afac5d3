import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from './config.js';
import { ConfigError } from './config-error.js';

export const MIN_SECRET_LENGTH = 32;

/** Values shipped in examples and tutorials: a server using one is as good as unprotected. */
const EXAMPLE_SECRETS = [
  'change-me-to-a-long-random-string-of-at-least-32-characters',
  'your-secret-key-here-change-in-production',
  'your-super-secret-key-change-in-production',
];
const EXAMPLE_MARKERS = /change[-_ ]?me|change[-_ ]in[-_ ]production|your[-_ ]secret|example|placeholder/i;

export function isExampleSecret(secret: string): boolean {
  return EXAMPLE_SECRETS.includes(secret) || EXAMPLE_MARKERS.test(secret) || new Set(secret).size < 8;
}

export interface ResolvedSecret {
  readonly secret: string;
  readonly warning?: string;
}

export function resolveSecretKey(given: string | undefined, variable: string, environment: Environment, dataDir: string): ResolvedSecret {
  if (given !== undefined) {
    if (given.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        variable,
        `must be at least ${MIN_SECRET_LENGTH} characters (got ${given.length}); generate one with: openssl rand -base64 48`,
      );
    }
    if (isExampleSecret(given)) {
      if (environment === 'production') {
        throw new ConfigError(variable, 'is an example value; generate a real one with: openssl rand -base64 48');
      }
      return { secret: given, warning: `${variable} looks like an example value; production would refuse it` };
    }
    return { secret: given };
  }
  if (environment === 'production') {
    throw new ConfigError(variable, 'is required when ENVIRONMENT=production; generate one with: openssl rand -base64 48');
  }
  const file = join(dataDir, 'secret.key');
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= MIN_SECRET_LENGTH) return { secret: stored };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(48).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return {
    secret,
    warning: `${variable} is not set: generated a development secret in ${file}. Set ${variable} before going to production.`,
  };
}
