import nodemailer from 'nodemailer';
import type { SmtpTarget } from '../config/config.js';
import { connectionOf } from './mailer.js';

/** How long one verdict stands: health checks may be polled often, the SMTP server should not be. */
const VERDICT_TTL_MS = 60_000;
/** Bounded waits, so a silent server fails the check instead of holding it. */
const TIMEOUT_MS = 3_000;

export interface SmtpCheck {
  /** Resolves when the server accepted a connection (and the login, with credentials) within the last minute. */
  check(): Promise<void>;
  close(): void;
}

/**
 * Connects, greets and logs in to the SMTP server (nodemailer's verify), at most once a minute: callers share the
 * attempt in progress and then its verdict. No mail is sent. Real time, not the app's clock.
 */
export function smtpCheck(target: SmtpTarget): SmtpCheck {
  // Not the mailer's pool: a check must open its own connection, and must not queue behind deliveries.
  const transport = nodemailer.createTransport({
    ...connectionOf(target),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  let last: { readonly at: number; readonly verdict: Promise<void> } | undefined;
  return {
    check() {
      const now = performance.now();
      if (!last || now - last.at >= VERDICT_TTL_MS) {
        const verdict = transport.verify().then(() => undefined);
        // Awaited by callers; a verdict nobody waits for must not be an unhandled rejection.
        verdict.catch(() => {});
        last = { at: now, verdict };
      }
      return last.verdict;
    },
    close: () => transport.close(),
  };
}
