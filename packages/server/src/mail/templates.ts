import { type Block, clip, renderMail } from './layout.js';
import type { MailMessage } from './mailer.js';

// Subjects are fixed wording plus the app name only: nothing a user typed ever reaches a header.

interface LinkMailData {
  readonly appName: string;
  readonly displayName: string | null;
  readonly link: string;
  readonly expiresInHours: number;
}

interface SecurityNoticeData {
  readonly appName: string;
  readonly displayName: string | null;
  /** Epoch ms. */
  readonly at: number;
  readonly ip: string | null;
}

const IF_NOT_YOU: readonly Block[] = [
  { paragraph: ['If this was you, there is nothing to do.'] },
  { paragraph: ['If this was not you, reset your password now and review your sessions.'] },
];

export function verificationMail(to: string, data: LinkMailData): MailMessage {
  return renderMail(to, `Confirm your email address for ${data.appName}`, [
    greeting(data.displayName),
    { paragraph: [`Please confirm the email address of your ${data.appName} account by opening this link:`] },
    { paragraph: [{ link: data.link }] },
    { paragraph: [`The link works once and expires in ${duration(data.expiresInHours)}.`] },
    { paragraph: ['If you did not ask for this, ignore this mail.'] },
  ]);
}

export function passwordResetMail(to: string, data: LinkMailData): MailMessage {
  return renderMail(to, `Reset your ${data.appName} password`, [
    greeting(data.displayName),
    { paragraph: [`Someone asked to reset the password of your ${data.appName} account. To choose a new password, open this link:`] },
    { paragraph: [{ link: data.link }] },
    { paragraph: [`The link works once and expires in ${duration(data.expiresInHours)}.`] },
    { paragraph: ['If you did not ask for this, ignore this mail: your password stays as it is.'] },
  ]);
}

export function passwordChangedMail(to: string, data: SecurityNoticeData): MailMessage {
  return renderMail(to, `Your ${data.appName} password was changed`, [
    greeting(data.displayName),
    { paragraph: [`The password of your ${data.appName} account was changed.`] },
    { facts: [['Time', isoTime(data.at)], ['IP address', data.ip ?? 'unknown']] },
    ...IF_NOT_YOU,
  ]);
}

export function newSignInMail(
  to: string,
  data: SecurityNoticeData & { readonly userAgent: string | null; readonly deviceName: string | null },
): MailMessage {
  const facts: [string, string][] = [['Time', isoTime(data.at)], ['IP address', data.ip ?? 'unknown']];
  if (data.deviceName !== null) facts.push(['Device', clip(data.deviceName, 100)]);
  facts.push(['Browser', data.userAgent === null ? 'unknown' : clip(data.userAgent, 300)]);
  return renderMail(to, `New sign-in to your ${data.appName} account`, [
    greeting(data.displayName),
    { paragraph: [`Someone signed in to your ${data.appName} account.`] },
    { facts },
    ...IF_NOT_YOU,
  ]);
}

function greeting(displayName: string | null): Block {
  return { paragraph: [displayName ? `Hello ${clip(displayName, 100)},` : 'Hello,'] };
}

/** `2026-01-02T03:04:05Z`: ISO 8601 in UTC, so it reads the same wherever the reader is. */
function isoTime(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function duration(hours: number): string {
  const minutes = Math.round(hours * 60);
  if (minutes % 60 !== 0) return plural(minutes, 'minute');
  return plural(minutes / 60, 'hour');
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
