export const ROLES = ['admin', 'user', 'guest'] as const;
export type Role = (typeof ROLES)[number];

/** A user as the rest of the system sees it: never the password hash or counters. Times are epoch ms. */
export interface User {
  readonly id: string;
  readonly email: string | null;
  readonly username: string | null;
  readonly displayName: string | null;
  readonly role: Role;
  readonly isActive: boolean;
  readonly isVerified: boolean;
  readonly isSuspended: boolean;
  readonly suspendedReason: string | null;
  /** When a timed suspension ends on its own (epoch ms); null for an open-ended one. */
  readonly suspendedUntil: number | null;
  readonly passwordChangedAt: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly lastLoginAt: number | null;
  /** Authenticated requests ever made as this user and the last one, as of the last usage flush (analytics). */
  readonly totalRequests: number;
  readonly lastSeenAt: number | null;
  /** Set by an administrator; null fields take the role's default (API.md "Rate limits"). */
  readonly rateLimits: RateLimitOverrides;
}

/** Requests per window an administrator has set for one user; null: the default for the user's role. */
export interface RateLimitOverrides {
  readonly perMinute: number | null;
  readonly perHour: number | null;
  readonly perDay: number | null;
}
