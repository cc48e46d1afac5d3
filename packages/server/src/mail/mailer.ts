import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Logger } from 'pino';
import type { Environment, SmtpTarget } from '../config/config.js';

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** smtp: delivered to an SMTP server; log: written to the log (development without SMTP); disabled: dropped. */
export type MailMode = 'smtp' | 'log' | 'disabled';

export interface MailStatus {
  readonly mode: MailMode;
  /** ok: last delivery attempt succeeded (or none yet); failing: the last attempt failed; disabled: nothing can be delivered. */
  readonly state: 'ok' | 'failing' | 'disabled';
  /** Accepted and not yet delivered or given up, including those waiting for a retry. */
  readonly queued: number;
  readonly sent: number;
  /** Given up: after all retries, on a full queue, at shutdown, or at once when mail is disabled. */
  readonly failed: number;
  readonly lastSuccessAt: number | null;
  readonly lastFailureAt: number | null;
  /** Short message, never credentials. */
  readonly lastError: string | null;
}

export interface Mailer {
  readonly mode: MailMode;
  /** Queues the message and returns at once: delivery never blocks or fails the request that caused it. */
  send(message: MailMessage): void;
  status(): MailStatus;
  /** Waits (at most timeoutMs, default 5000) for queued deliveries that are being attempted right now, then stops retry timers. Idempotent. */
  close(timeoutMs?: number): Promise<void>;
}

export interface MailerOptions {
  readonly smtp: SmtpTarget | undefined;
  readonly from: { readonly email: string; readonly name: string };
  readonly environment: Environment;
  readonly logger: Logger;
  /** Epoch ms, for status timestamps; default Date.now. */
  readonly now?: () => number;
  /** Delays before each retry; default [1_000, 5_000, 30_000, 120_000, 600_000]; after the last one the message is given up (logged at error, counted in failed). */
  readonly retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];
// Mail is held in memory only; past this a dead SMTP server would grow the heap without bound.
const MAX_QUEUED = 10_000;
const MAX_ERROR_LENGTH = 200;

/** smtp when a server is configured; otherwise log in development, disabled elsewhere. */
export function createMailer(options: MailerOptions): Mailer {
  if (options.smtp) return createSmtpMailer(options, options.smtp);
  return options.environment === 'development' ? createLogMailer(options) : createDisabledMailer(options);
}

interface Tally {
  queued: number;
  sent: number;
  failed: number;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
  lastAttemptFailed: boolean;
}

function newTally(): Tally {
  return { queued: 0, sent: 0, failed: 0, lastSuccessAt: null, lastFailureAt: null, lastError: null, lastAttemptFailed: false };
}

function statusOf(mode: MailMode, tally: Tally): MailStatus {
  const { lastAttemptFailed, ...counts } = tally;
  const state = mode === 'disabled' ? 'disabled' : lastAttemptFailed ? 'failing' : 'ok';
  return { mode, state, ...counts };
}

function createLogMailer({ logger, now = Date.now }: MailerOptions): Mailer {
  const tally = newTally();
  return {
    mode: 'log',
    send(message) {
      // The log is the developer's mailbox: links with their tokens have to be readable here.
      logger.info({ to: message.to, subject: message.subject, text: message.text }, 'mail logged instead of sent (development, no SMTP server configured)');
      tally.sent++;
      tally.lastSuccessAt = now();
    },
    status: () => statusOf('log', tally),
    close: async () => {},
  };
}

function createDisabledMailer({ logger, now = Date.now }: MailerOptions): Mailer {
  const tally = newTally();
  const reason = 'no SMTP server is configured';
  return {
    mode: 'disabled',
    send(message) {
      // Never the body: outside development the log is no place for tokens.
      logger.warn({ to: maskAddress(message.to), subject: message.subject }, `mail not sent: ${reason} (set SMTP_URL or SMTP_HOST)`);
      tally.failed++;
      tally.lastFailureAt = now();
      tally.lastError = reason;
    },
    status: () => statusOf('disabled', tally),
    close: async () => {},
  };
}

interface PendingRetry {
  readonly message: MailMessage;
  readonly attempts: number;
  readonly error: string;
}

function createSmtpMailer(options: MailerOptions, target: SmtpTarget): Mailer {
  const { logger, now = Date.now, retryDelaysMs = DEFAULT_RETRY_DELAYS_MS } = options;
  // maxRequeues is read by nodemailer's pool but missing from its type declarations.
  const poolOptions: SMTPPool.Options & { maxRequeues: number } = {
    ...connectionOf(target),
    pool: true,
    maxConnections: 3,
    // Retries are ours (logged and counted); the pool must not silently resend on a dropped connection.
    maxRequeues: 0,
    // Bounded waits, so a dead server fails attempts instead of holding them for minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    // Longer: some servers run content filters before they answer the DATA command.
    socketTimeout: 30_000,
  };
  const transport = nodemailer.createTransport(poolOptions);
  const describeError = errorDescriber(target);
  // Nodemailer re-emits transport errors and would throw one that has no listener.
  transport.on('error', (error) => logger.error({ error: describeError(error) }, 'mail transport error'));

  const from = { name: options.from.name, address: options.from.email };
  const tally = newTally();
  const retries = new Map<NodeJS.Timeout, PendingRetry>();
  const attemptsInFlight = new Set<Promise<void>>();
  let closing: Promise<void> | undefined;

  function attempt(message: MailMessage, number: number): void {
    const delivery: Promise<void> = transport
      .sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html })
      .then(
        () => succeeded(message, number),
        (error: unknown) => attemptFailed(message, number, describeError(error)),
      )
      .finally(() => attemptsInFlight.delete(delivery));
    attemptsInFlight.add(delivery);
  }

  function succeeded(message: MailMessage, attempts: number): void {
    tally.queued--;
    tally.sent++;
    tally.lastSuccessAt = now();
    tally.lastAttemptFailed = false;
    logger.info({ to: maskAddress(message.to), attempts }, 'mail sent');
  }

  function attemptFailed(message: MailMessage, attempts: number, error: string): void {
    tally.lastFailureAt = now();
    tally.lastError = error;
    tally.lastAttemptFailed = true;
    const delay = retryDelaysMs[attempts - 1];
    if (delay === undefined || closing) {
      giveUp(message, attempts, error, closing ? 'mail given up: mailer closed' : 'mail given up after all retries');
      return;
    }
    logger.warn({ to: maskAddress(message.to), attempt: attempts, retryInMs: delay, error }, 'mail delivery failed, will retry');
    const timer = setTimeout(() => {
      retries.delete(timer);
      attempt(message, attempts + 1);
    }, delay);
    // A pending retry must not keep the process alive; close() gives it up explicitly.
    timer.unref();
    retries.set(timer, { message, attempts, error });
  }

  function giveUp(message: MailMessage, attempts: number, error: string, reason: string): void {
    tally.queued--;
    tally.failed++;
    logger.error({ to: maskAddress(message.to), subject: message.subject, attempts, error }, reason);
  }

  async function shutDown(timeoutMs: number): Promise<void> {
    for (const [timer, pending] of retries) {
      clearTimeout(timer);
      giveUp(pending.message, pending.attempts, pending.error, 'mail given up: mailer closed before its retry');
    }
    retries.clear();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(attemptsInFlight), deadline]);
    clearTimeout(timer);
    transport.close();
  }

  return {
    mode: 'smtp',
    send(message) {
      if (closing || tally.queued >= MAX_QUEUED) {
        tally.failed++;
        logger.error({ to: maskAddress(message.to), subject: message.subject }, closing ? 'mail dropped: mailer closed' : 'mail dropped: queue full');
        return;
      }
      tally.queued++;
      attempt(message, 1);
    },
    status: () => statusOf('smtp', tally),
    close(timeoutMs = 5_000) {
      closing ??= shutDown(timeoutMs);
      return closing;
    },
  };
}

export function connectionOf(target: SmtpTarget): Pick<SMTPPool.Options, 'url' | 'host' | 'port' | 'secure' | 'auth'> {
  // Nodemailer reads smtp:// (STARTTLS when offered) and smtps:// (TLS from the start) itself.
  if ('url' in target) return { url: target.url };
  return {
    host: target.host,
    port: target.port,
    // 465 is implicit TLS (RFC 8314 §3.3); other ports upgrade with STARTTLS when the server offers it.
    secure: target.port === 465,
    auth: target.user === undefined ? undefined : { user: target.user, pass: target.password ?? '' },
  };
}

/** A one-line, length-capped error message with every form of the SMTP credentials removed. */
function errorDescriber(target: SmtpTarget): (error: unknown) => string {
  const secrets = credentialForms(target).sort((a, b) => b.length - a.length);
  return (error) => {
    let text = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
    for (const secret of secrets) text = text.split(secret).join('***');
    // Redact before cutting, so a cut cannot leave a secret's prefix behind.
    return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
  };
}

function credentialForms(target: SmtpTarget): string[] {
  const { user, password, raw } = credentialsOf(target);
  const forms = [...raw, user, password];
  // AUTH LOGIN and AUTH PLAIN send these, and a server may echo the command in its error reply.
  if (user) forms.push(base64(user));
  if (password) forms.push(base64(password), base64(`\0${user}\0${password}`));
  return forms.filter((form) => form.length > 0);
}

function credentialsOf(target: SmtpTarget): { user: string; password: string; raw: string[] } {
  if (!('url' in target)) return { user: target.user ?? '', password: target.password ?? '', raw: [] };
  try {
    const url = new URL(target.url);
    return { user: decode(url.username), password: decode(url.password), raw: [target.url, url.username, url.password] };
  } catch {
    return { user: '', password: '', raw: [target.url] };
  }
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** `a***@example.com`: enough to tell recipients apart in a log, not enough to harvest addresses. */
function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 1 ? '***' : `${address[0]}***${address.slice(at)}`;
}
