export { type Caller, hasRole, type Role } from './caller.js';
export { bearerToken } from './bearer-token.js';
export { createVerifier } from './create-verifier.js';
export type { IntrospectionOptions, Verifier, VerifierOptions } from './verifier-options.js';
export { VerifyError, type VerifyErrorCode } from './verify-error.js';
