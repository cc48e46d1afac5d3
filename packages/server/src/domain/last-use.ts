/**
 * When each session or API key was last used, as this process saw it. Authenticated requests only note it here (no
 * database round trip on the hot path); a job writes it to the database at most once a minute per session or key.
 */
export class LastUse {
  private readonly pending = new Map<string, number>();
  private readonly latest = new Map<string, number>();

  constructor(private readonly maxEntries = 200_000) {}

  touch(id: string, at: number): void {
    this.pending.set(id, at);
    if (this.latest.size >= this.maxEntries && !this.latest.has(id)) this.latest.clear();
    this.latest.set(id, at);
  }

  /** The last use this process saw, if any. */
  lastSeen(id: string): number | undefined {
    return this.latest.get(id);
  }

  /** What to write since the last drain. */
  drain(): Array<[id: string, at: number]> {
    const entries = [...this.pending];
    this.pending.clear();
    return entries;
  }
}
