import { Type } from 'typebox';
import type { TokenPair } from '../../domain/tokens/token-pair.js';

export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    refresh_token: Type.String(),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer(),
    refresh_expires_in: Type.Integer(),
    session_id: Type.String(),
  },
  { title: 'Token' },
);

export function toTokenResponse(pair: TokenPair) {
  return {
    access_token: pair.accessToken,
    refresh_token: pair.refreshToken,
    token_type: 'bearer' as const,
    expires_in: pair.expiresIn,
    refresh_expires_in: pair.refreshExpiresIn,
    session_id: pair.sessionId,
  };
}
