import { ConfigError } from './config-error.js';

export type Parser<T> = (raw: string, name: string) => T;

export const text: Parser<string> = (raw) => raw;

export function integer(min: number, max: number): Parser<number> {
  return (raw, name) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number (got "${raw}")`);
    const value = Number(raw.trim());
    if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
    return value;
  };
}

export const boolean: Parser<boolean> = (raw, name) => {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
};

export function oneOf<const T extends string>(...choices: T[]): Parser<T> {
  return (raw, name) => {
    const value = raw.trim().toLowerCase();
    if ((choices as string[]).includes(value)) return value as T;
    throw new ConfigError(name, `must be one of ${choices.join(', ')} (got "${raw}")`);
  };
}

export const httpUrl: Parser<string> = (raw, name) => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must start with http:// or https:// (got "${raw}")`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
};

export const redisUrl: Parser<string> = (raw, name) => {
  if (!/^rediss?:\/\//.test(raw.trim())) throw new ConfigError(name, `must start with redis:// or rediss:// (got "${raw}")`);
  return raw.trim();
};

export const smtpUrl: Parser<string> = (raw, name) => {
  if (!/^smtps?:\/\/[^/]/.test(raw.trim())) throw new ConfigError(name, `must start with smtp:// or smtps:// (got "${raw.replace(/:[^:@/]*@/, ':***@')}")`);
  return raw.trim();
};

/** A link with a `{token}` placeholder; http(s) only, so a mail can never carry a javascript: or data: link. */
export const linkTemplate: Parser<string> = (raw, name) => {
  const value = raw.trim();
  if (!value.includes('{token}')) throw new ConfigError(name, `must contain {token} where the token goes (got "${raw}")`);
  httpUrl(value.replace('{token}', 'token'), name);
  return value;
};

/** Exact origins (scheme://host[:port]); `*` is refused because cookies and credentials would then go anywhere. */
export const originList: Parser<string[]> = (raw, name) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      if (item.includes('*')) throw new ConfigError(name, `must list exact origins; wildcards are not allowed (got "${item}")`);
      let url: URL;
      try {
        url = new URL(item);
      } catch {
        throw new ConfigError(name, `must list origins like https://app.example.com (got "${item}")`);
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== item.replace(/\/$/, '')) {
        throw new ConfigError(name, `must list bare origins like https://app.example.com, without paths or wildcards (got "${item}")`);
      }
      return url.origin;
    });
