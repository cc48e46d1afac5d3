import { describe, expect, it } from 'vitest';
import type { MailMessage } from '../../src/mail/mailer.js';
import { newSignInMail, passwordChangedMail, passwordResetMail, verificationMail } from '../../src/mail/templates.js';

const TO = 'alice@example.com';
const AT = Date.UTC(2026, 0, 2, 3, 4, 5);
const LINK = 'https://auth.example.com/verify?token=tok_Zq81xVbN3mKd0Wf7&next=%2Fhome';
const HOSTILE_NAMES = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' onmouseover='alert(1)"];

const linkMails = {
  verificationMail: (displayName: string | null, appName = 'Gatehouse') =>
    verificationMail(TO, { appName, displayName, link: LINK, expiresInHours: 24 }),
  passwordResetMail: (displayName: string | null, appName = 'Gatehouse') =>
    passwordResetMail(TO, { appName, displayName, link: LINK, expiresInHours: 1 }),
};

const notices = {
  passwordChangedMail: (displayName: string | null, appName = 'Gatehouse') =>
    passwordChangedMail(TO, { appName, displayName, at: AT, ip: '203.0.113.7' }),
  newSignInMail: (displayName: string | null, appName = 'Gatehouse') =>
    newSignInMail(TO, { appName, displayName, at: AT, ip: '203.0.113.7', userAgent: 'Firefox/140.0', deviceName: 'Laptop' }),
};

const allMails = { ...linkMails, ...notices };

const lines = (mail: MailMessage) => mail.text.split('\n');

/** The tags and attribute names of a document: injected markup would add to them. */
function markup(html: string): string[] {
  return [...html.matchAll(/<\/?([!\w-]+)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)].map(
    ([, tag, attributes = '']) => `${tag} ${[...attributes.matchAll(/([\w-]+)=/g)].map(([, name]) => name).join(' ')}`,
  );
}

describe.each(Object.entries(allMails))('%s', (_name, build) => {
  it('is addressed to the recipient, with a fixed subject naming the app', () => {
    const mail = build('Alice');
    expect(mail.to).toBe(TO);
    expect(mail.subject).toContain('Gatehouse');
    expect(mail.subject).not.toContain('Alice');
    expect(lines(mail)[0]).toBe('Hello Alice,');
  });

  it.each(HOSTILE_NAMES)('never puts the display name %s raw into the HTML', (name) => {
    const mail = build(name);
    expect(mail.html).not.toContain(name);
    expect(markup(mail.html)).toEqual(markup(build('Alice').html));
    expect(mail.html).toContain(name.replace(/&/g, '&#38;').replace(/</g, '&#60;').replace(/>/g, '&#62;').replace(/"/g, '&#34;').replace(/'/g, '&#39;'));
    expect(mail.text).toContain(`Hello ${name},`);
  });

  it('keeps CR and LF in the app name out of the subject and the text lines', () => {
    const mail = build('Alice\r\nBcc: eve@evil.test', 'Gatehouse\r\nBcc: eve@evil.test');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).not.toContain('\r');
    expect(lines(mail).some((line) => line.startsWith('Bcc:'))).toBe(false);
  });

  it('strips bidi overrides that could make a name read as something else', () => {
    const mail = build('Alice\u202egnp.exe');
    expect(mail.text).not.toContain('\u202e');
    expect(mail.html).not.toContain('\u202e');
  });

  it('loads nothing from elsewhere: no images, scripts or styles by URL', () => {
    const mail = build('Alice');
    expect(mail.html).not.toMatch(/<img|<script|<link|src=|url\(/i);
    for (const url of mail.html.match(/https?:\/\/[^"<\s]+/g) ?? []) expect(url).toBe(LINK.replace(/&/g, '&#38;'));
  });

  it('greets without a name when there is none', () => {
    expect(lines(build(null))[0]).toBe('Hello,');
  });
});

describe.each(Object.entries(linkMails))('%s link', (_name, build) => {
  it('appears in both parts, as an escaped <a href> in HTML', () => {
    const mail = build('Alice');
    expect(lines(mail)).toContain(LINK);
    const escaped = LINK.replace(/&/g, '&#38;');
    expect(mail.html).toContain(`<a href="${escaped}"`);
    expect(mail.html).toContain(`>${escaped}</a>`);
  });

  it('tells a reader who did not ask to ignore the mail', () => {
    const mail = build('Alice');
    expect(mail.text).toContain('If you did not ask for this, ignore this mail');
    expect(mail.html).toContain('If you did not ask for this, ignore this mail');
  });
});

describe('link lifetimes', () => {
  const expiry = (expiresInHours: number) => verificationMail(TO, { appName: 'Gatehouse', displayName: null, link: LINK, expiresInHours }).text;

  it('are stated in hours, or in minutes below a whole hour', () => {
    expect(expiry(24)).toContain('expires in 24 hours.');
    expect(expiry(1)).toContain('expires in 1 hour.');
    expect(expiry(0.5)).toContain('expires in 30 minutes.');
  });
});

describe.each(Object.entries(notices))('%s', (_name, build) => {
  it('gives the time in ISO 8601 UTC and the IP address, in both parts', () => {
    const mail = build('Alice');
    expect(lines(mail)).toContain('Time: 2026-01-02T03:04:05Z');
    expect(lines(mail)).toContain('IP address: 203.0.113.7');
    expect(mail.html).toContain('2026-01-02T03:04:05Z');
    expect(mail.html).toContain('203.0.113.7');
  });

  it('tells a reader it was not to reset the password and review the sessions', () => {
    const mail = build('Alice');
    expect(mail.text).toContain('If this was not you, reset your password now and review your sessions.');
    expect(mail.html).toContain('If this was not you, reset your password now and review your sessions.');
  });
});

describe('newSignInMail', () => {
  const signIn = (userAgent: string | null, deviceName: string | null, ip: string | null = '203.0.113.7') =>
    newSignInMail(TO, { appName: 'Gatehouse', displayName: null, at: AT, ip, userAgent, deviceName });

  it('shows the device and browser, escaped in HTML', () => {
    const mail = signIn('Mozilla/5.0 <b>"Evil"</b>', 'Work & Play');
    expect(lines(mail)).toContain('Device: Work & Play');
    expect(lines(mail)).toContain('Browser: Mozilla/5.0 <b>"Evil"</b>');
    expect(mail.html).toContain('Work &#38; Play');
    expect(mail.html).toContain('Mozilla/5.0 &#60;b&#62;&#34;Evil&#34;&#60;/b&#62;');
  });

  it('keeps a user agent with CR and LF on its one line', () => {
    const mail = signIn('Firefox\r\n\r\nYour account is locked, call +1 555 0100\nBcc: x', null);
    const browser = lines(mail).filter((line) => line.startsWith('Browser: '));
    expect(browser).toEqual(['Browser: Firefox Your account is locked, call +1 555 0100 Bcc: x']);
    expect(lines(mail).some((line) => line.startsWith('Your account') || line.startsWith('Bcc:'))).toBe(false);
    expect(mail.subject).toBe('New sign-in to your Gatehouse account');
  });

  it('cuts an oversized user agent down', () => {
    const mail = signIn('A'.repeat(10_000), null);
    expect(mail.text.length).toBeLessThan(1_500);
  });

  it('says unknown for a missing IP address or browser and leaves out a missing device', () => {
    const mail = signIn(null, null, null);
    expect(lines(mail)).toContain('IP address: unknown');
    expect(lines(mail)).toContain('Browser: unknown');
    expect(mail.text).not.toContain('Device:');
  });
});
