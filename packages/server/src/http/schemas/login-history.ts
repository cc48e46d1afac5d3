import { Type } from 'typebox';
import type { LoginAttempt } from '../../db/repositories/login-history-repository.js';
import { iso, NullableString, Time } from './fields.js';

/** One login attempt as an administrator sees it; the identifier typed and the session id are not shown. */
export const LoginAttemptResponse = Type.Object(
  { at: Time, success: Type.Boolean(), method: Type.String(), ip: NullableString, user_agent: NullableString, reason: NullableString },
  { title: 'LoginAttempt' },
);

export function toLoginAttemptResponse(attempt: LoginAttempt) {
  return { at: iso(attempt.at), success: attempt.success, method: attempt.method, ip: attempt.ip, user_agent: attempt.userAgent, reason: attempt.reason };
}
