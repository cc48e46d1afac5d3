/**
 * Sessions revoked recently enough that one of their access tokens may still be unexpired. Checked on every
 * authenticated request, so it is a plain in-memory Map fed by the events bus; entries older than the longest
 * access-token lifetime can no longer matter and are dropped.
 */
export class RevokedSessions {
  private readonly revoked = new Map<string, number>();
  private lastPrune = 0;

  constructor(private readonly retentionMs: number) {}

  has(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  add(sessionId: string, revokedAt: number, now: number): void {
    this.revoked.set(sessionId, revokedAt);
    if (now - this.lastPrune > 60_000) this.prune(now);
  }

  private prune(now: number): void {
    this.lastPrune = now;
    for (const [sessionId, revokedAt] of this.revoked) {
      if (revokedAt < now - this.retentionMs) this.revoked.delete(sessionId);
    }
  }
}
