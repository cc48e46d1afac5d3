import { setTimeout as sleep } from 'node:timers/promises';
import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';

/** One login attempt's place in its identifier's count; undefined when lockout is off. */
export interface LockoutTicket {
  readonly key: string;
  readonly place: number;
}

/** How often an attempt beyond the free places looks again, and for how long, while earlier ones are checked. */
const WAIT_STEP_MS = 20;
const WAIT_LIMIT_MS = 5_000;

/**
 * The counter a login attempt belongs to (API.md "Lockout identifier"): per account when the identifier names one,
 * so its email and username share a counter, else per normalised identifier, so unknown ones lock the same way.
 */
export function lockoutKey(userId: string | undefined, identifier: string): string {
  return userId !== undefined ? `user:${userId}` : `name:${identifier.normalize('NFKC').toLowerCase()}`;
}

const places = (key: string) => `try:${key}`;
/** Every lock key is in this family of the attempt counters, so the locks in force can be listed. */
const LOCKS = 'lock';
const lock = (key: string) => `${LOCKS}:${key}`;

function locked(ctx: DomainContext, resetAt: number): AuthError {
  return new AuthError('account_locked', { retryAfterSeconds: Math.max(1, Math.ceil((resetAt - ctx.clock.now()) / 1000)) });
}

/**
 * Takes one of the THRESHOLD places of a run of failures before the password is checked, atomically, so that 50
 * parallel guesses cannot get more than THRESHOLD passwords checked (OWASP ASVS 6.3.1, NIST 800-63B 5.2.2). An
 * attempt that finds every place taken by attempts still being checked waits for their verdict: a success frees
 * the places, the failure that fills the last one locks. Parallel logins with the right password therefore all pass.
 */
export async function enterAttempt(ctx: DomainContext, key: string): Promise<LockoutTicket | undefined> {
  const { enabled, threshold, durationMs } = ctx.config.lockout;
  if (!enabled) return undefined;
  const giveUpAt = performance.now() + WAIT_LIMIT_MS;
  for (;;) {
    // Looking before taking a place keeps attempts made during a lock from leaving marks that outlive it.
    const current = await ctx.attempts.peek(lock(key), ctx.clock.now());
    if (current) throw locked(ctx, current.resetAt);
    const { count, resetAt } = await ctx.attempts.hit(places(key), ctx.clock.now(), durationMs);
    const lockedMeanwhile = await ctx.attempts.peek(lock(key), ctx.clock.now());
    if (lockedMeanwhile) throw locked(ctx, lockedMeanwhile.resetAt);
    if (count <= threshold) return { key, place: count };
    if (performance.now() >= giveUpAt) throw locked(ctx, resetAt);
    await sleep(WAIT_STEP_MS);
  }
}

/** The lock in force on this counter now, as the error an attempt gets; undefined when none (or lockout is off). */
export async function lockError(ctx: DomainContext, key: string): Promise<AuthError | undefined> {
  if (!ctx.config.lockout.enabled) return undefined;
  const current = await ctx.attempts.peek(lock(key), ctx.clock.now());
  return current ? locked(ctx, current.resetAt) : undefined;
}

/** A failure filling the last place still answers 401; the lock runs LOCKOUT_MINUTES from it. Returns whether it locked. */
export async function failedAttempt(ctx: DomainContext, ticket: LockoutTicket | undefined): Promise<boolean> {
  if (!ticket || ticket.place !== ctx.config.lockout.threshold) return false;
  await ctx.attempts.hit(lock(ticket.key), ctx.clock.now(), ctx.config.lockout.durationMs);
  // The lock now holds the state; the places start afresh when it ends.
  await ctx.attempts.reset(places(ticket.key));
  ctx.telemetry.accountLocked();
  return true;
}

/** The right password ends the run of failures. */
export async function succeededAttempt(ctx: DomainContext, ticket: LockoutTicket | undefined): Promise<void> {
  if (ticket) await clear(ctx, ticket.key);
}

/** Lifts an account's lock and forgets its failures (an administrator's decision, or a completed password reset). */
export function unlockAccount(ctx: DomainContext, userId: string): Promise<void> {
  return clear(ctx, lockoutKey(userId, ''));
}

/** The accounts whose logins are refused at this moment (locks on unknown identifiers name no account). */
export async function lockedAccountIds(ctx: DomainContext): Promise<string[]> {
  if (!ctx.config.lockout.enabled) return [];
  const accountLock = lock(lockoutKey('', ''));
  const keys = await ctx.attempts.listLive(LOCKS, ctx.clock.now());
  return keys.filter((key) => key.startsWith(accountLock)).map((key) => key.slice(accountLock.length));
}

async function clear(ctx: DomainContext, key: string): Promise<void> {
  await ctx.attempts.reset(places(key));
  await ctx.attempts.reset(lock(key));
}
