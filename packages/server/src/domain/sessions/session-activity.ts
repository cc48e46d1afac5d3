/**
 * When each session was last used, seen by this process. Authenticated requests only note it here (no database
 * round trip on the hot path); a job writes it to sessions.last_active_at at most once a minute per session.
 */
export class SessionActivity {
  private readonly pending = new Map<string, number>();
  private readonly latest = new Map<string, number>();

  constructor(private readonly maxSessions = 200_000) {}

  touch(sessionId: string, at: number): void {
    this.pending.set(sessionId, at);
    if (this.latest.size >= this.maxSessions && !this.latest.has(sessionId)) this.latest.clear();
    this.latest.set(sessionId, at);
  }

  /** The last use this process saw, if any. */
  lastSeen(sessionId: string): number | undefined {
    return this.latest.get(sessionId);
  }

  /** What to write since the last drain. */
  drain(): Array<[sessionId: string, at: number]> {
    const entries = [...this.pending];
    this.pending.clear();
    return entries;
  }
}
