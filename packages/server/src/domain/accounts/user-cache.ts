import type { UserRepository } from '../../db/repositories/user-repository.js';
import type { User } from './user.js';

/**
 * Users by id, kept in memory so the authenticated path needs no database round trip. Entries are dropped when
 * the events bus says the user changed; a load that races with such a change is not stored.
 */
export class UserCache {
  private readonly entries = new Map<string, User | null>();
  private readonly generation = new Map<string, number>();
  private epoch = 0;

  constructor(
    private readonly users: Pick<UserRepository, 'findById'>,
    private readonly maxSize = 100_000,
  ) {}

  async get(id: string): Promise<User | undefined> {
    const cached = this.entries.get(id);
    if (cached !== undefined) return cached ?? undefined;
    const before = this.generation.get(id) ?? this.epoch;
    const user = await this.users.findById(id);
    if ((this.generation.get(id) ?? this.epoch) === before) {
      if (this.entries.size >= this.maxSize) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(id, user ?? null);
    }
    return user;
  }

  invalidate(id: string): void {
    this.entries.delete(id);
    this.generation.set(id, (this.generation.get(id) ?? this.epoch) + 1);
    if (this.generation.size > this.maxSize) this.clear();
  }

  /** Forgets every user (changes may have been missed); bumping the epoch keeps loads in flight from being stored. */
  clear(): void {
    this.generation.clear();
    this.epoch += 1_000_000;
    this.entries.clear();
  }
}
