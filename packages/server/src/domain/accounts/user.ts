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
}
