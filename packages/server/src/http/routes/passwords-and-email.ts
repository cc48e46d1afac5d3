import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { confirmVerification, requestVerification } from '../../domain/accounts/email-verification.js';
import type { DomainContext } from '../../domain/context.js';
import { changePassword } from '../../domain/passwords/change-password.js';
import { confirmPasswordReset, requestPasswordReset } from '../../domain/passwords/reset-password.js';
import { allow, anyone } from '../plugins/access.js';
import { callerOf, sessionCallerOf } from '../plugins/authenticate.js';
import { requestInfo } from '../request-info.js';
import { DevTokenMessage, MessageResponse, message, problems } from '../schemas/common.js';

const Password = Type.String({ maxLength: 1024 });
const MailedToken = Type.String({ maxLength: 512 });

const ChangeBody = Type.Object({ current_password: Password, new_password: Password }, { additionalProperties: false });
const ResetRequestBody = Type.Object({ email: Type.String({ maxLength: 320 }) }, { additionalProperties: false });
const ResetConfirmBody = Type.Object({ token: MailedToken, new_password: Password }, { additionalProperties: false });
const VerifyConfirmBody = Type.Object({ token: MailedToken }, { additionalProperties: false });

const RESET_REQUESTED = 'If the email exists, a password reset link has been sent';
const bearer = [{ bearerAuth: [] }];

/** /api/v1/auth/password/* and /api/v1/auth/email/*: who may call each route is in its options. */
export function passwordAndEmailRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/auth/password/change',
      {
        ...allow(ctx, 'self:write', { interactive: true }),
        schema: {
          tags: ['auth'],
          summary: "Change the caller's password; the caller's other sessions end",
          security: bearer,
          body: ChangeBody,
          response: { 200: MessageResponse, ...problems(400, 401, 403, 422) },
        },
      },
      async (request) => {
        const { user, sessionId } = sessionCallerOf(request);
        const { current_password, new_password } = request.body;
        await changePassword(ctx, { userId: user.id, sessionId, currentPassword: current_password, newPassword: new_password }, requestInfo(request));
        return message('Password changed; your other sessions have been signed out');
      },
    );

    app.post(
      '/auth/password/reset/request',
      {
        ...anyone,
        schema: {
          tags: ['auth'],
          summary: 'Mail a password reset link (the same answer whether or not the email has an account)',
          body: ResetRequestBody,
          response: { 200: DevTokenMessage, ...problems(422) },
        },
      },
      async (request) => {
        const { devToken } = await requestPasswordReset(ctx, request.body.email, requestInfo(request));
        if (devToken) return { message: `Password reset token (DEV ONLY): ${devToken}`, success: true, dev_token: devToken };
        return message(RESET_REQUESTED);
      },
    );

    app.post(
      '/auth/password/reset/confirm',
      {
        ...anyone,
        schema: {
          tags: ['auth'],
          summary: 'Set a new password with a mailed reset token; every session ends',
          body: ResetConfirmBody,
          response: { 200: MessageResponse, ...problems(400, 422) },
        },
      },
      async (request) => {
        await confirmPasswordReset(ctx, request.body.token, request.body.new_password, requestInfo(request));
        return message('Password has been reset; log in with the new password');
      },
    );

    app.post(
      '/auth/email/verification/request',
      {
        ...allow(ctx, 'self:write'),
        schema: {
          tags: ['auth'],
          summary: "Mail a new verification link to the caller's address",
          security: bearer,
          response: { 200: DevTokenMessage, ...problems(401, 403, 422) },
        },
      },
      async (request) => {
        const outcome = await requestVerification(ctx, callerOf(request).user.id);
        if (outcome.alreadyVerified) return message('Email already verified');
        if (outcome.devToken) return { message: `Verification token (DEV ONLY): ${outcome.devToken}`, success: true, dev_token: outcome.devToken };
        return message('Verification email sent');
      },
    );

    app.post(
      '/auth/email/verification/confirm',
      {
        ...anyone,
        schema: {
          tags: ['auth'],
          summary: 'Verify an email address with a mailed token',
          body: VerifyConfirmBody,
          response: { 200: MessageResponse, ...problems(400, 422) },
        },
      },
      async (request) => {
        await confirmVerification(ctx, request.body.token, requestInfo(request));
        return message('Email verified');
      },
    );
  };
}
