import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

export interface ReceivedMail {
  /** The decoded From header, e.g. `Gatehouse <noreply@example.com>`. */
  readonly from: string;
  /** The envelope recipients (RCPT TO). */
  readonly to: string[];
  readonly subject: string;
  /** The decoded text/plain part, line breaks as `\n`; empty when there is none. */
  readonly text: string;
  /** The decoded text/html part, line breaks as `\n`; empty when there is none. */
  readonly html: string;
  readonly raw: string;
}

export interface TestSmtpServer {
  /** smtp://127.0.0.1:<port>, usable as SMTP_URL. */
  readonly url: string;
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Resolves with the first received mail (now or later) matching the predicate; rejects after timeoutMs listing what did arrive. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Makes the next n deliveries fail with a temporary SMTP error (451), with the given reply text if any. */
  failNext(n: number, reply?: string): void;
  close(): Promise<void>;
}

interface Waiter {
  readonly predicate: (mail: ReceivedMail) => boolean;
  readonly resolve: (mail: ReceivedMail) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** A real SMTP server on 127.0.0.1 that accepts any sender, recipient and credentials, and keeps what it receives. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<Waiter>();
  let failuresLeft = 0;
  let failureReply = '';

  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    // Plain local SMTP: no STARTTLS on offer, and AUTH allowed without it so credentials can be tested.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    // A client that never closes its pooled connection must not hold close() for the default 30 s.
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (failuresLeft > 0) {
          failuresLeft--;
          const error: SMTPServerError = new Error(failureReply);
          error.responseCode = 451;
          callback(error);
          return;
        }
        const mail = parseMail(Buffer.concat(chunks), session.envelope.rcptTo.map((recipient) => recipient.address));
        mails.push(mail);
        for (const waiter of waiters) {
          if (!waiter.predicate(mail)) continue;
          waiters.delete(waiter);
          clearTimeout(waiter.timer);
          waiter.resolve(mail);
        }
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    waitFor(predicate, timeoutMs = 5_000) {
      const arrived = mails.find(predicate);
      if (arrived) return Promise.resolve(arrived);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(new Error(`no matching mail within ${timeoutMs} ms; received ${describe(mails)}`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    failNext(n, reply = 'Temporary failure requested by the test') {
      failuresLeft = n;
      failureReply = reply;
    },
    async close() {
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`SMTP server closed while waiting for a mail; received ${describe(mails)}`));
      }
      waiters.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function describe(mails: readonly ReceivedMail[]): string {
  if (mails.length === 0) return 'none';
  return `${mails.length}: ${mails.map((mail) => `[to ${mail.to.join(', ')}: "${mail.subject}"]`).join(' ')}`;
}

// A minimal MIME reader, enough for what nodemailer writes (RFC 2045-2047).

interface Entity {
  readonly headers: Map<string, string>;
  /** The body as a binary (latin1) string, so bytes survive until the charset is known. */
  readonly body: string;
}

function parseMail(data: Buffer, recipients: string[]): ReceivedMail {
  const message = parseEntity(data.toString('latin1'));
  const parts = { text: '', html: '' };
  collectTextParts(message, parts);
  return {
    from: decodeWords(message.headers.get('from') ?? ''),
    to: recipients,
    subject: decodeWords(message.headers.get('subject') ?? ''),
    text: parts.text,
    html: parts.html,
    raw: data.toString('utf8'),
  };
}

function parseEntity(source: string): Entity {
  const split = /\r?\n\r?\n/.exec(source);
  const head = split ? source.slice(0, split.index) : source;
  const body = split ? source.slice(split.index + split[0].length) : '';
  const headers = new Map<string, string>();
  // Folded header lines start with whitespace and continue the previous one (RFC 5322 §2.2.3).
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    // Header bytes are UTF-8 when not encoded-words (RFC 6532); the rest of the entity stays binary.
    if (!headers.has(name)) headers.set(name, Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8'));
  }
  return { headers, body };
}

function collectTextParts(entity: Entity, found: { text: string; html: string }): void {
  const { type, params } = contentType(entity.headers.get('content-type'));
  if (type.startsWith('multipart/') && params.boundary) {
    for (const part of multipartBodies(entity.body, params.boundary)) collectTextParts(parseEntity(part), found);
    return;
  }
  if (/^attachment\b/i.test(entity.headers.get('content-disposition') ?? '')) return;
  const key = type === 'text/html' ? 'html' : type === 'text/plain' ? 'text' : undefined;
  if (!key || found[key] !== '') return;
  const bytes = decodeTransfer(entity.body, entity.headers.get('content-transfer-encoding') ?? '7bit');
  found[key] = new TextDecoder(params.charset ?? 'utf-8').decode(bytes).replace(/\r\n/g, '\n');
}

function contentType(header: string | undefined): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = (header ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const equals = param.indexOf('=');
    if (equals < 0) continue;
    params[param.slice(0, equals).trim().toLowerCase()] = param.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

function multipartBodies(body: string, boundary: string): string[] {
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) break;
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current.join('\r\n'));
      current = [];
    } else {
      current?.push(line);
    }
  }
  if (current) parts.push(current.join('\r\n'));
  return parts;
}

function decodeTransfer(body: string, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body.replace(/=\r?\n/g, ''));
    default:
      return Buffer.from(body, 'latin1');
  }
}

function decodeQuotedPrintable(text: string): Buffer {
  return Buffer.from(
    text.replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  );
}

/** Decodes RFC 2047 encoded words; whitespace between two adjacent encoded words is dropped (§6.2). */
function decodeWords(value: string): string {
  const decoded = value.replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, '$1');
  return decoded.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_match, charset: string, encoding: string, text: string) => {
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : decodeQuotedPrintable(text.replace(/_/g, ' '));
    return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
  });
}
