import { createHash } from 'node:crypto';
import type { Config } from '../../config/config.js';
import type { User } from '../accounts/user.js';
import type { Principal } from '../sessions/authenticate.js';
import { clientBucket } from './client-address.js';

/** Requests with limits of their own besides the caller's (API.md "Built-in abuse limits"). */
export type LimitedAction = 'login' | 'registration' | 'reset_request' | 'verification_request' | 'refresh';

/** One counter a request is counted against, and how many requests it allows per window. */
export interface Bucket {
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
}

export interface LimitedRequest {
  /** The client address (X-Forwarded-For only with TRUST_PROXY). */
  readonly ip: string | null;
  /** Undefined for an anonymous caller. */
  readonly caller: Principal | undefined;
  readonly action: LimitedAction | undefined;
  /** What the request names: the login identifier, or the email a reset is asked for. */
  readonly subject: string | undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Window = { readonly limit: number; readonly windowMs: number; readonly name: string };
const perMinute = (limit: number): Window => ({ limit, windowMs: MINUTE, name: 'minute' });
const perHour = (limit: number): Window => ({ limit, windowMs: HOUR, name: 'hour' });

/**
 * Per client IP (IPv6 /64), on top of lockout and of the caller's own limits: they bound how fast one client can
 * guess passwords for many accounts, create accounts, or make us send mail (OWASP ASVS 2.2.1, API.md).
 */
const PER_CLIENT: Readonly<Record<LimitedAction, readonly Window[]>> = {
  login: [perMinute(20)],
  registration: [perMinute(10)],
  reset_request: [perMinute(5)],
  verification_request: [],
  refresh: [perMinute(60)],
};

/**
 * Per what the request is about, whichever client sends it: one login identifier (guessing spread over many
 * addresses), one mailbox (reset mail flooding an inbox), one account's verification mail.
 */
const PER_SUBJECT: Readonly<Record<LimitedAction, readonly Window[]>> = {
  login: [perMinute(10)],
  registration: [],
  reset_request: [perHour(3)],
  verification_request: [perHour(3)],
  refresh: [],
};

export interface UserLimits {
  readonly perMinute: number;
  readonly perHour: number;
  readonly perDay: number;
}

/** A user's limits: what an administrator set for them, else the configured default (admins: times the multiplier). */
export function userLimits(config: Config, user: User): UserLimits {
  const factor = user.role === 'admin' ? config.rateLimits.adminMultiplier : 1;
  const { perMinute: minute, perHour: hour, perDay: day } = config.rateLimits.user;
  return {
    perMinute: user.rateLimits.perMinute ?? minute * factor,
    perHour: user.rateLimits.perHour ?? hour * factor,
    perDay: user.rateLimits.perDay ?? day * factor,
  };
}

/**
 * The buckets known before the body is read: the caller's (each API key has its own, with its owner's limits, so
 * one runaway integration does not starve its owner's sessions), or the client address's for anonymous callers,
 * and the action's per-client limits.
 */
export function callerBuckets(config: Config, request: LimitedRequest): Bucket[] {
  const client = clientBucket(request.ip);
  const buckets: Bucket[] = [];
  if (request.caller) {
    const owner = request.caller.kind === 'api_key' ? `key:${request.caller.keyId}` : `user:${request.caller.user.id}`;
    const limits = userLimits(config, request.caller.user);
    buckets.push(
      { key: `${owner}:minute`, limit: limits.perMinute, windowMs: MINUTE },
      { key: `${owner}:hour`, limit: limits.perHour, windowMs: HOUR },
      { key: `${owner}:day`, limit: limits.perDay, windowMs: DAY },
    );
  } else {
    buckets.push({ key: `ip:${client}:minute`, limit: config.rateLimits.anonymousPerMinute, windowMs: MINUTE });
  }
  if (request.action) {
    for (const window of PER_CLIENT[request.action]) {
      buckets.push({ key: `${request.action}:ip:${client}:${window.name}`, limit: window.limit, windowMs: window.windowMs });
    }
  }
  return buckets;
}

/**
 * The buckets of what the request is about. Counted only once the caller's buckets allowed the request, so a client
 * already refused cannot fill memory or Redis with counters for identifiers it makes up.
 */
export function subjectBuckets(request: LimitedRequest): Bucket[] {
  if (!request.action) return [];
  const subject = request.action === 'verification_request' ? request.caller?.user.id : request.subject && normalizedSubject(request.subject);
  if (!subject) return [];
  return PER_SUBJECT[request.action].map((window) => ({
    key: `${request.action}:subject:${subject}:${window.name}`,
    limit: window.limit,
    windowMs: window.windowMs,
  }));
}

/** Identifiers and emails match case-insensitively elsewhere; hashed, so no address sits in Redis in clear. */
function normalizedSubject(subject: string): string {
  const name = subject.trim().normalize('NFKC').toLowerCase();
  return createHash('sha256').update(name).digest('base64url').slice(0, 22);
}
