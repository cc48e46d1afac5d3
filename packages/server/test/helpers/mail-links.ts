import type { ReceivedMail } from './smtp.js';

/** The token in the first Gatehouse link of a mail (`…#token=<token>`), as a person clicking it would carry it. */
export function tokenFromMail(mail: ReceivedMail): string {
  const match = /https?:\/\/\S+?#token=([A-Za-z0-9%_.~-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no link with a token in the mail "${mail.subject}":\n${mail.text}`);
  return decodeURIComponent(match[1]);
}
