import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Environment, SmtpTarget } from '../../src/config/config.js';
import { createMailer, type Mailer, type MailMessage } from '../../src/mail/mailer.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { unusedPort } from '../helpers/ports.js';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const FROM = { email: 'noreply@gatehouse.test', name: 'Gätehouse Mail' };
const TOKEN = 'tok_Zq81xVbN3mKd0Wf7';

const WARN = 40;
const ERROR = 50;

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A pino logger writing JSON lines to memory, and a way to wait for one without sleeping. */
function captureLogs() {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const waiters = new Set<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as LogLine;
        raw.push(text);
        lines.push(line);
        for (const waiter of waiters) {
          if (!waiter.predicate(line)) continue;
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
      done();
    },
  });
  return {
    logger: pino({ level: 'debug' }, stream),
    lines,
    raw,
    waitFor(predicate: (line: LogLine) => boolean, timeoutMs = 5_000): Promise<LogLine> {
      const found = lines.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; got:\n${raw.join('\n')}`)), timeoutMs);
        waiters.add({
          predicate,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}

function message(to = 'alice@example.com'): MailMessage {
  return {
    to,
    subject: 'Confirm your email address for Gätehouse',
    text: `Grüße!\nOpen https://app.test/verify?token=${TOKEN}\n`,
    html: `<p>Grüße!</p>\n<p><a href="https://app.test/verify?token=${TOKEN}">verify</a></p>`,
  };
}

const activeTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('mailer over SMTP', () => {
  let smtp: TestSmtpServer;
  let logs: ReturnType<typeof captureLogs>;
  const mailers: Mailer[] = [];

  function smtpMailer(target: SmtpTarget = { url: smtp.url }, retryDelaysMs?: number[]): Mailer {
    const mailer = createMailer({ smtp: target, from: FROM, environment: 'production', logger: logs.logger, now: () => NOW, retryDelaysMs });
    mailers.push(mailer);
    return mailer;
  }

  const sentLog = () => logs.waitFor((line) => line.msg === 'mail sent');

  beforeEach(async () => {
    smtp = await startSmtpServer();
    logs = captureLogs();
  });

  afterEach(async () => {
    await Promise.all(mailers.splice(0).map((mailer) => mailer.close()));
    await smtp.close();
  });

  it('delivers the message with its from, to, subject, text and html', async () => {
    const mailer = smtpMailer();
    expect(mailer.mode).toBe('smtp');

    mailer.send(message());
    const mail = await smtp.waitFor((received) => received.to.includes('alice@example.com'));

    expect(mail.from).toBe('Gätehouse Mail <noreply@gatehouse.test>');
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mail.subject).toBe('Confirm your email address for Gätehouse');
    expect(mail.raw).toContain('Subject: =?UTF-8?');
    expect(mail.text).toBe(message().text);
    expect(mail.html).toBe(message().html);
    await sentLog();
    expect(mailer.status()).toEqual({
      mode: 'smtp',
      state: 'ok',
      queued: 0,
      sent: 1,
      failed: 0,
      lastSuccessAt: NOW,
      lastFailureAt: null,
      lastError: null,
    });
  });

  it('delivers text in any script intact', async () => {
    const mailer = smtpMailer();
    const text = 'こんにちは、世界。パスワードを再設定してください。\n';

    mailer.send({ ...message(), text, html: `<p>${text}</p>` });
    const mail = await smtp.waitFor((received) => received.to.includes('alice@example.com'));

    expect(mail.raw).toContain('Content-Transfer-Encoding: base64');
    expect(mail.text).toBe(text);
    expect(mail.html).toBe(`<p>${text}</p>`);
  });

  it('retries a failed delivery and delivers the message exactly once', async () => {
    smtp.failNext(2);
    const mailer = smtpMailer(undefined, [10, 10, 10]);

    mailer.send(message());
    await smtp.waitFor((mail) => mail.to.includes('alice@example.com'));
    await sentLog();
    await mailer.close();

    expect(smtp.mails).toHaveLength(1);
    expect(mailer.status()).toMatchObject({ state: 'ok', queued: 0, sent: 1, failed: 0, lastFailureAt: NOW });
    const warnings = logs.lines.filter((line) => line.level === WARN);
    expect(warnings.map((line) => line.attempt)).toEqual([1, 2]);
    expect(warnings.every((line) => line.to === 'a***@example.com' && String(line.error).includes('451'))).toBe(true);
  });

  it('gives a message up after the last retry, counts it as failed and logs an error', async () => {
    smtp.failNext(10);
    const mailer = smtpMailer(undefined, [10, 10, 10]);

    mailer.send(message());
    const given = await logs.waitFor((line) => line.level === ERROR);

    expect(given).toMatchObject({ to: 'a***@example.com', attempts: 4 });
    expect(logs.lines.filter((line) => line.level === WARN)).toHaveLength(3);
    expect(smtp.mails).toHaveLength(0);
    expect(mailer.status()).toMatchObject({ state: 'failing', queued: 0, sent: 0, failed: 1, lastSuccessAt: null, lastFailureAt: NOW });
    expect(mailer.status().lastError).toContain('451');
  });

  it('waits in close() for a delivery that is under way, then drops later mail', async () => {
    const mailer = smtpMailer();

    mailer.send(message());
    await mailer.close();

    expect(smtp.mails).toHaveLength(1);
    expect(mailer.status()).toMatchObject({ state: 'ok', queued: 0, sent: 1 });
    await expect(mailer.close()).resolves.toBeUndefined();

    mailer.send(message('bob@example.com'));
    expect(mailer.status()).toMatchObject({ queued: 0, sent: 1, failed: 1 });
    expect(logs.lines.at(-1)).toMatchObject({ level: ERROR, to: 'b***@example.com', msg: 'mail dropped: mailer closed' });
  });

  it('returns from send() at once when the server is unreachable, and close() leaves no timer holding the process', async () => {
    const timersBefore = activeTimers();
    const mailer = smtpMailer({ url: `smtp://127.0.0.1:${await unusedPort()}` }, [60_000]);

    expect(mailer.send(message())).toBeUndefined();
    expect(mailer.status()).toMatchObject({ state: 'ok', queued: 1 });

    const warning = await logs.waitFor((line) => line.level === WARN);
    expect(warning).toMatchObject({ attempt: 1, retryInMs: 60_000 });
    expect(mailer.status()).toMatchObject({ state: 'failing', queued: 1, lastFailureAt: NOW });
    expect(mailer.status().lastError).toMatch(/ECONNREFUSED/);
    // The retry a minute away is pending, yet it keeps nothing alive (the failed connection's own timers may take a tick to go).
    await vi.waitFor(() => expect(activeTimers()).toBe(timersBefore));

    await mailer.close();
    expect(mailer.status()).toMatchObject({ queued: 0, failed: 1 });
    expect(logs.lines.at(-1)).toMatchObject({ level: ERROR, msg: 'mail given up: mailer closed before its retry' });
    await vi.waitFor(() => expect(activeTimers()).toBe(timersBefore));
  });

  describe('never reveals SMTP credentials', () => {
    const user = 'gate-user';
    const password = 'S3cret/pa55:word';
    const echoes = [password, Buffer.from(password).toString('base64'), Buffer.from(`\0${user}\0${password}`).toString('base64')];
    const targets: [string, () => SmtpTarget][] = [
      ['SMTP_URL', () => ({ url: `smtp://${user}:${encodeURIComponent(password)}@127.0.0.1:${smtp.port}` })],
      ['SMTP_HOST and SMTP_PASSWORD', () => ({ host: '127.0.0.1', port: smtp.port, user, password })],
    ];

    it.each(targets)('configured with %s, not even when the server echoes them', async (_name, target) => {
      // A server that quotes the AUTH exchange back in its error reply, in each form the client sends.
      smtp.failNext(1, `Rejected ${echoes.join(' ')} ${user}`);
      const mailer = smtpMailer(target(), [10]);

      mailer.send(message());
      await smtp.waitFor((mail) => mail.to.includes('alice@example.com'));
      await sentLog();

      const lastError = mailer.status().lastError ?? '';
      expect(lastError).toMatch(/^Message failed: 451 Rejected/);
      for (const secret of [...echoes, encodeURIComponent(password), user]) {
        expect(lastError).not.toContain(secret);
        for (const line of logs.raw) expect(line).not.toContain(secret);
      }
    });
  });
});

describe('mailer without SMTP', () => {
  function mailerFor(environment: Environment) {
    const logs = captureLogs();
    const mailer = createMailer({ smtp: undefined, from: FROM, environment, logger: logs.logger, now: () => NOW });
    return { logs, mailer };
  }

  it('logs the whole text in development, so the developer can follow the link', async () => {
    const { logs, mailer } = mailerFor('development');
    expect(mailer.mode).toBe('log');

    mailer.send(message());

    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({ level: 30, to: 'alice@example.com', subject: message().subject, text: message().text });
    expect(mailer.status()).toMatchObject({ mode: 'log', state: 'ok', sent: 1, lastSuccessAt: NOW });
    await mailer.close();
  });

  it.each<Environment>(['production', 'test'])('is disabled in %s: warns once per mail, never with its body', async (environment) => {
    const { logs, mailer } = mailerFor(environment);
    expect(mailer.mode).toBe('disabled');

    mailer.send(message());

    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({ level: WARN, to: 'a***@example.com', subject: message().subject });
    expect(logs.lines[0]?.msg).toMatch(/no SMTP server is configured/);
    expect(logs.raw[0]).not.toContain(TOKEN);
    expect(logs.raw[0]).not.toContain('alice@');
    expect(mailer.status()).toMatchObject({ mode: 'disabled', state: 'disabled', sent: 0, failed: 1 });
    await mailer.close();
  });
});
