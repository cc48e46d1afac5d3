import type { ApiCall } from './api-caller.js';
import type { BodyOf, ResponseOf } from './operations.js';

export type MailedTokenMessage = ResponseOf<'POST /api/v1/auth/password/reset/request'>;
export type Message = ResponseOf<'POST /api/v1/auth/password/change'>;

/** Changing and resetting the password. */
export interface PasswordApi {
  /**
   * Changes the caller's password; the caller's other sessions end. A wrong current password is 400 `invalid_password`.
   * @example
   * ```ts
   * await client.password.change({ current_password: oldPassword, new_password: newPassword });
   * ```
   */
  change(input: BodyOf<'POST /api/v1/auth/password/change'>): Promise<Message>;
  /**
   * Mails a reset link. The answer is the same whether or not the email has an account.
   * @example
   * ```ts
   * await client.password.requestReset('ada@example.com');
   * ```
   */
  requestReset(email: string): Promise<MailedTokenMessage>;
  /**
   * Sets a new password with the mailed token; every session of the account ends. A bad token is 400 `invalid_token`.
   * @example
   * ```ts
   * await client.password.confirmReset({ token: new URL(location.href).searchParams.get('token')!, new_password });
   * ```
   */
  confirmReset(input: BodyOf<'POST /api/v1/auth/password/reset/confirm'>): Promise<Message>;
}

/** Proving the caller owns their email address. */
export interface EmailApi {
  /**
   * Mails the caller a new verification link (or says the address is already verified).
   * @example
   * ```ts
   * await client.email.requestVerification();
   * ```
   */
  requestVerification(): Promise<MailedTokenMessage>;
  /**
   * Verifies the address with the mailed token (no sign-in needed).
   * @example
   * ```ts
   * await client.email.confirmVerification(token);
   * ```
   */
  confirmVerification(token: string): Promise<Message>;
}

export function passwordApi(call: ApiCall): PasswordApi {
  return {
    change: (body) => call('POST /api/v1/auth/password/change', { body }),
    requestReset: (email) => call('POST /api/v1/auth/password/reset/request', { body: { email } }, { anonymous: true }),
    confirmReset: (body) => call('POST /api/v1/auth/password/reset/confirm', { body }, { anonymous: true }),
  };
}

export function emailApi(call: ApiCall): EmailApi {
  return {
    requestVerification: () => call('POST /api/v1/auth/email/verification/request', {}),
    confirmVerification: (token) => call('POST /api/v1/auth/email/verification/confirm', { body: { token } }, { anonymous: true }),
  };
}
