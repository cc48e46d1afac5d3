import type { ApiKeyRepository } from '../../db/repositories/api-key-repository.js';
import type { ApiKey } from './api-key.js';

/**
 * API keys by hash, in memory, so a key-authenticated request needs no database round trip. A revocation (events
 * bus) drops the key everywhere; a load that races with any revocation is not stored. Unknown hashes are cached
 * too (a new key can never have an old hash), within a bound so guessing cannot fill memory.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, ApiKey | null>();
  private readonly hashOf = new Map<string, string>();
  private generation = 0;

  constructor(
    private readonly keys: Pick<ApiKeyRepository, 'findByHash'>,
    private readonly maxSize = 100_000,
  ) {}

  async get(keyHash: string): Promise<ApiKey | undefined> {
    const cached = this.entries.get(keyHash);
    if (cached !== undefined) return cached ?? undefined;
    const before = this.generation;
    const key = await this.keys.findByHash(keyHash);
    if (before === this.generation) {
      if (this.entries.size >= this.maxSize) this.clear();
      this.entries.set(keyHash, key ?? null);
      if (key) this.hashOf.set(key.id, keyHash);
    }
    return key;
  }

  forget(keyId: string): void {
    this.generation++;
    const keyHash = this.hashOf.get(keyId);
    if (keyHash === undefined) return;
    this.entries.delete(keyHash);
    this.hashOf.delete(keyId);
  }

  /** Forgets every key (revocations may have been missed); loads in flight are not stored either. */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.hashOf.clear();
  }
}
