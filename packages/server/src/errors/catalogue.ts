/**
 * Every stable error code the API answers with: its HTTP status, the problem `title` and the public `detail`. An
 * entry's `code`, when given, is what goes on the wire instead of its key (one public code, two statuses).
 * docs/errors.md is kept equal to this table by a test. Codes never change meaning once shipped.
 */
export const ERROR_CATALOGUE = {
  bad_request: { status: 400, title: 'Bad Request', detail: 'The request could not be read; send a JSON object' },
  invalid_password: { status: 400, title: 'Bad Request', detail: 'The current password is incorrect' },
  // API.md: a bad reset or verification token is a 400 `invalid_token` (a bad bearer token is the 401 one).
  invalid_account_token: { status: 400, code: 'invalid_token', title: 'Bad Request', detail: 'The link is invalid, expired or already used; ask for a new one' },
  // fastapi-users' login answers (compatibility routes): its clients read `detail`, ours keep reading `code`.
  login_bad_credentials: { status: 400, code: 'invalid_credentials', title: 'Bad Request', detail: 'LOGIN_BAD_CREDENTIALS' },
  login_user_not_verified: { status: 400, code: 'email_not_verified', title: 'Bad Request', detail: 'LOGIN_USER_NOT_VERIFIED' },
  not_authenticated: { status: 401, title: 'Unauthorized', detail: 'Not authenticated' },
  invalid_credentials: { status: 401, title: 'Unauthorized', detail: 'Incorrect username or password' },
  invalid_token: { status: 401, title: 'Unauthorized', detail: 'Could not validate credentials' },
  invalid_refresh_token: { status: 401, title: 'Unauthorized', detail: 'The refresh token is invalid, expired or revoked; log in again' },
  token_expired: { status: 401, title: 'Unauthorized', detail: 'The access token has expired; refresh it or log in again' },
  session_revoked: { status: 401, title: 'Unauthorized', detail: 'The session has been revoked; log in again' },
  forbidden: { status: 403, title: 'Forbidden', detail: 'You are not allowed to do this' },
  account_inactive: { status: 403, title: 'Forbidden', detail: 'This account is inactive' },
  account_suspended: { status: 403, title: 'Forbidden', detail: 'This account is suspended' },
  csrf_failed: { status: 403, title: 'Forbidden', detail: 'Cross-site request refused: send it from an allowed origin with the X-CSRF-Token header set to the gh_csrf cookie' },
  email_not_verified: { status: 403, title: 'Forbidden', detail: 'Verify your email address before logging in; ask for a new verification mail if the last one expired' },
  registration_closed: { status: 403, title: 'Forbidden', detail: 'Registration is closed on this server' },
  not_found: { status: 404, title: 'Not Found', detail: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method Not Allowed', detail: 'This method is not allowed on this path' },
  email_taken: { status: 409, title: 'Conflict', detail: 'A user with this email already exists' },
  username_taken: { status: 409, title: 'Conflict', detail: 'A user with this username already exists' },
  payload_too_large: { status: 413, title: 'Payload Too Large', detail: 'The request body is larger than 64 KiB' },
  unsupported_media_type: { status: 415, title: 'Unsupported Media Type', detail: 'Send the body as application/json' },
  validation_failed: { status: 422, title: 'Unprocessable Content', detail: 'The request is not valid' },
  last_admin: { status: 422, title: 'Unprocessable Content', detail: 'This would leave no active admin; promote another admin first' },
  account_locked: { status: 429, title: 'Too Many Requests', detail: 'Too many failed logins; this account is locked for a while. Try again later or reset your password' },
  rate_limited: { status: 429, title: 'Too Many Requests', detail: 'Too many requests; wait for the time Retry-After gives, then try again' },
  header_too_large: { status: 431, title: 'Request Header Fields Too Large', detail: 'The request headers are too large' },
  internal_error: { status: 500, title: 'Internal Server Error', detail: 'Something went wrong on our side' },
  service_unavailable: { status: 503, title: 'Service Unavailable', detail: 'A service Gatehouse depends on is unavailable; try again shortly' },
} as const satisfies Record<string, { status: number; title: string; detail: string; code?: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The `code` a client sees for a catalogue entry. */
export function publicCode(code: ErrorCode): string {
  const entry = ERROR_CATALOGUE[code];
  return 'code' in entry ? entry.code : code;
}
