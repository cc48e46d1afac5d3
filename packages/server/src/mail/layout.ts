import type { MailMessage } from './mailer.js';

/** Part of a paragraph: text, or a link (an `<a href>` in HTML, the bare URL in text). */
export type Inline = string | { readonly link: string };

/** A paragraph, or label/value lines such as the time and IP address of a sign-in. */
export type Block = { readonly paragraph: readonly Inline[] } | { readonly facts: readonly (readonly [label: string, value: string])[] };

/**
 * Renders one content in both parts, so each gets its escaping in exactly one place: every inline value is
 * HTML-escaped in the HTML part and kept to one line in the text part, and the subject to one line
 * (header injection, CWE-93).
 */
export function renderMail(to: string, subject: string, blocks: readonly Block[]): MailMessage {
  const oneLineSubject = singleLine(subject);
  return {
    to,
    subject: oneLineSubject,
    text: `${blocks.map(textOf).join('\n\n')}\n`,
    html: htmlDocument(oneLineSubject, blocks.map(htmlOf)),
  };
}

/** Cuts attacker-sized values (display names, user agents) down to what a mail needs to show. */
export function clip(value: string, maxLength: number): string {
  return value.length > maxLength ? `${value.slice(0, maxLength - 1)}…` : value;
}

// C0/C1 controls (CR, LF, tab…), Unicode line separators, and bidi overrides that can make text read
// differently from what it is (CVE-2021-42574).
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

function singleLine(value: string): string {
  return value.replace(UNSAFE_IN_LINE, ' ').trim();
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function textOf(block: Block): string {
  if ('facts' in block) return block.facts.map(([label, value]) => `${singleLine(label)}: ${singleLine(value)}`).join('\n');
  return block.paragraph.map((inline) => singleLine(typeof inline === 'string' ? inline : inline.link)).join('');
}

function htmlOf(block: Block): string {
  if ('facts' in block) {
    const rows = block.facts.map(
      ([label, value]) =>
        `<tr><td style="padding:2px 16px 2px 0;color:#59636e;vertical-align:top">${inlineHtml(label)}</td><td style="padding:2px 0;word-break:break-word">${inlineHtml(value)}</td></tr>`,
    );
    return `<table role="presentation" style="border-collapse:collapse;margin:0 0 16px">${rows.join('')}</table>`;
  }
  const content = block.paragraph
    .map((inline) => {
      if (typeof inline === 'string') return inlineHtml(inline);
      const url = inlineHtml(inline.link);
      return `<a href="${url}" style="color:#0969da;word-break:break-all">${url}</a>`;
    })
    .join('');
  return `<p style="margin:0 0 16px">${content}</p>`;
}

function inlineHtml(value: string): string {
  return escapeHtml(singleLine(value));
}

// Inline styles only, no external images or fonts: nothing loads from elsewhere, so nothing can track the reader.
function htmlDocument(title: string, body: readonly string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '</head>',
    '<body style="margin:0;padding:24px;background:#ffffff;color:#1f2328;font-family:-apple-system,\'Segoe UI\',Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5">',
    '<div style="max-width:560px;margin:0 auto">',
    ...body,
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
