import { availableParallelism } from 'node:os';
import { Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { legacyVerifierFor } from './legacy-hashes.js';

export interface Argon2Parameters {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** UV_THREADPOOL_SIZE: libuv's thread pool, which the hashes share with JWT signing and file I/O. */
export interface HashingCapacity {
  readonly threadPoolSize: number;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** The hash is a legacy format or older argon2 parameters: store a fresh hash now that the password is known. */
  readonly needsRehash: boolean;
}

const ARGON2 = /^\$argon2(id|i|d)\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$/;

/**
 * argon2id hashing (OWASP Password Storage: m=19 MiB, t=2, p=1). @node-rs/argon2 runs on libuv's thread pool, so
 * the event loop keeps serving other requests while a hash is computed. Callers pass NFKC-normalised passwords.
 */
export class PasswordHasher {
  private readonly options: { algorithm: Algorithm; memoryCost: number; timeCost: number; parallelism: number };
  private dummyHash: Promise<string> | undefined;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /**
   * One hash per core plus one queued on the thread pool, so a core never idles while the event loop hands the next
   * hash over (measured: 84-88 % of the cores ÷ verify-time limit instead of 53-77 % with exactly one per core).
   * Many more would only slow each hash (19 MiB each thrashes the caches), starve the event loop and occupy every
   * libuv thread, which JWT signing and file I/O also need: one thread is always left to them. On more than 3 cores,
   * raise UV_THREADPOOL_SIZE (default 4) to let hashing use them all.
   */
  private readonly concurrency: number;

  constructor(
    private readonly parameters: Argon2Parameters,
    capacity: HashingCapacity,
    /** Told how long each hash or verification took, in seconds, not counting its wait for a turn (for metrics). */
    private readonly onHashed: (seconds: number) => void = () => {},
  ) {
    this.options = { algorithm: Algorithm.Argon2id, ...parameters };
    this.concurrency = Math.max(1, Math.min(availableParallelism() + 1, capacity.threadPoolSize - 1));
  }

  hash(password: string): Promise<string> {
    return this.limited(() => argon2Hash(password, this.options));
  }

  async verify(storedHash: string, password: string): Promise<VerifyResult> {
    const argon2 = ARGON2.exec(storedHash);
    if (argon2) {
      const ok = await this.limited(() => argon2Verify(storedHash, password)).catch(() => false);
      return { ok, needsRehash: ok && !this.isCurrent(argon2) };
    }
    const legacy = legacyVerifierFor(storedHash);
    if (!legacy) {
      // Unknown format: spend the same time as a real check so the answer's timing tells nothing.
      await this.verifyDummy(password);
      return { ok: false, needsRehash: false };
    }
    const ok = await this.limited(() => legacy(storedHash, password)).catch(() => false);
    return { ok, needsRehash: ok };
  }

  /** Costs what a real verification costs, for identifiers that name no account (timing must not reveal it). */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash('gatehouse-dummy-password');
    const dummy = await this.dummyHash;
    await this.limited(() => argon2Verify(dummy, password)).catch(() => false);
  }

  /** Runs at most `concurrency` hashes at a time; the rest wait their turn in arrival order. */
  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.onHashed((performance.now() - started) / 1000);
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private isCurrent([, variant, version, m, t, p]: RegExpExecArray): boolean {
    return (
      variant === 'id' &&
      version === '19' &&
      Number(m) === this.parameters.memoryCost &&
      Number(t) === this.parameters.timeCost &&
      Number(p) === this.parameters.parallelism
    );
  }
}
