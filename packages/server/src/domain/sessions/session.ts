/** One login: the family of its refresh tokens and the `sid` of its access tokens. Times are epoch ms. */
export interface Session {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly lastActiveAt: number;
  /** Absolute end of the login; refreshes never extend it. */
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly deviceName: string | null;
  readonly clientId: string;
  readonly method: string;
}

export interface RequestInfo {
  readonly ip: string | null;
  readonly userAgent: string | null;
}
