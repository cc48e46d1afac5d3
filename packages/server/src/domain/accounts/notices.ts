import { newSignInMail, passwordChangedMail, passwordResetMail, verificationMail } from '../../mail/templates.js';
import type { DomainContext } from '../context.js';
import type { RequestInfo } from '../sessions/session.js';
import { accountTokenLink } from './account-tokens.js';

/** The mail Gatehouse sends people. Each call only queues the message: delivery never holds up or fails a request. */

interface Recipient {
  readonly email: string;
  readonly displayName: string | null;
}

const hours = (seconds: number) => seconds / 3600;

export function mailVerificationLink(ctx: DomainContext, user: Recipient, token: string): void {
  ctx.mailer.send(
    verificationMail(user.email, {
      appName: ctx.config.mail.from.name,
      displayName: user.displayName,
      link: accountTokenLink(ctx.config.links.emailVerification, token),
      expiresInHours: hours(ctx.config.emailVerificationTtlSeconds),
    }),
  );
}

export function mailPasswordResetLink(ctx: DomainContext, user: Recipient, token: string): void {
  ctx.mailer.send(
    passwordResetMail(user.email, {
      appName: ctx.config.mail.from.name,
      displayName: user.displayName,
      link: accountTokenLink(ctx.config.links.passwordReset, token),
      expiresInHours: hours(ctx.config.passwordResetTtlSeconds),
    }),
  );
}

export function mailPasswordChanged(ctx: DomainContext, user: Recipient, request: RequestInfo): void {
  ctx.mailer.send(passwordChangedMail(user.email, { appName: ctx.config.mail.from.name, displayName: user.displayName, at: ctx.clock.now(), ip: request.ip }));
}

export function mailNewSignIn(ctx: DomainContext, user: Recipient, request: RequestInfo, deviceName: string | null): void {
  ctx.mailer.send(
    newSignInMail(user.email, {
      appName: ctx.config.mail.from.name,
      displayName: user.displayName,
      at: ctx.clock.now(),
      ip: request.ip,
      userAgent: request.userAgent,
      deviceName,
    }),
  );
}

/** The DEV ONLY token of API.md: in development with no SMTP server, where the mail only goes to the log. Never in production. */
export function showsDevTokens(ctx: DomainContext): boolean {
  return ctx.config.environment === 'development' && ctx.config.mail.smtp === undefined;
}
