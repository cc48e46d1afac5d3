/**
 * Who performs an administrative change, for the audit trail and the self-protection rules: an admin over HTTP
 * (their user id and IP) or an operator at the command line (no user; `via: 'cli'`).
 */
export interface Actor {
  readonly userId: string | null;
  readonly ip: string | null;
  readonly via: 'http' | 'cli';
}

export const CLI_ACTOR: Actor = { userId: null, ip: null, via: 'cli' };
