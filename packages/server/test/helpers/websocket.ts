import { WebSocket } from 'ws';
import type { TestServer } from './test-server.js';

// biome-ignore lint/suspicious/noExplicitAny: messages are whatever the server sent
export type Message = any;

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export interface TestSocket {
  readonly raw: WebSocket;
  /** Every message received so far, parsed, in order. */
  readonly messages: Message[];
  /** The first message, received already or yet to come, that matches; fails after `timeoutMs`. */
  message(predicate: (message: Message) => boolean, timeoutMs?: number): Promise<Message>;
  /** The close code and reason once the connection has closed; fails after `timeoutMs`. */
  closed(timeoutMs?: number): Promise<Closed>;
  /** How the connection began: `hello` when the server greeted it, else its close as `<code> <reason>`. */
  outcome(timeoutMs?: number): Promise<string>;
}

const DEFAULT_TIMEOUT_MS = 2000;

/** A real WebSocket client on `GET /ws?<query>` of a test server, recording what it receives. */
export function openSocket(server: TestServer, query: string, headers: Record<string, string> = {}): TestSocket {
  const raw = new WebSocket(`${server.url.replace('http', 'ws')}/ws${query ? `?${query}` : ''}`, { headers });
  const messages: Message[] = [];
  const waiters = new Set<() => void>();
  let closedWith: Closed | undefined;
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  raw.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    wake();
  });
  raw.on('close', (code, reason) => {
    closedWith = { code, reason: String(reason) };
    wake();
  });
  // A failed handshake is an 'error' followed by 'close' (1006), which the test then sees.
  raw.on('error', () => undefined);

  function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const found = check();
        if (found === undefined) return false;
        cleanUp();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanUp();
        reject(new Error(`${what()} within ${timeoutMs} ms; received ${JSON.stringify(messages)}, closed: ${JSON.stringify(closedWith)}`));
      }, timeoutMs);
      const cleanUp = () => {
        clearTimeout(timer);
        waiters.delete(attempt);
      };
      if (!attempt()) waiters.add(attempt);
    });
  }

  return {
    raw,
    messages,
    message: (predicate, timeoutMs = DEFAULT_TIMEOUT_MS) => waitFor(() => messages.find(predicate), timeoutMs, () => 'no matching message'),
    closed: (timeoutMs = DEFAULT_TIMEOUT_MS) => waitFor(() => closedWith, timeoutMs, () => 'not closed'),
    outcome: (timeoutMs = DEFAULT_TIMEOUT_MS) =>
      waitFor(
        () => (messages[0]?.type === 'hello' ? 'hello' : closedWith && `${closedWith.code} ${closedWith.reason}`),
        timeoutMs,
        () => 'neither greeted nor closed',
      ),
  };
}
