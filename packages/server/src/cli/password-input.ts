import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

export async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new Error('--password-stdin reads a pipe or a file; at a terminal use --interactive so the password is not echoed');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // `echo secret |` and `< file` add one newline that is not part of the password; any other whitespace is.
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '')
    throw new Error('--password-stdin read an empty password; pipe the password in, for example: printf %s "$PASSWORD" | gatehouse ...');
  return password;
}

export async function promptNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('--interactive needs a terminal to prompt on; without one, pipe the password in with --password-stdin');
  const first = await promptHidden('Password: ');
  const second = await promptHidden('Repeat password: ');
  if (first !== second) throw new Error('the two passwords differ; nothing was changed');
  return first;
}

/** Reads one line from the terminal while echoing nothing: readline writes to a muted stream, the prompt goes to stderr. */
async function promptHidden(prompt: string): Promise<string> {
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  process.stderr.write(prompt);
  const cancelled = new Promise<never>((_, reject) => {
    // In raw mode Ctrl-C and Ctrl-D reach readline instead of the shell; both abort without creating anything.
    rl.once('SIGINT', () => reject(new Error('cancelled; nothing was changed')));
    rl.once('close', () => reject(new Error('no password entered; nothing was changed')));
  });
  try {
    return await Promise.race([rl.question(''), cancelled]);
  } finally {
    rl.removeAllListeners('close');
    rl.close();
    process.stderr.write('\n');
  }
}
