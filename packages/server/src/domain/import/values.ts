/** A row that cannot be imported: the reason goes to the rejects file with the row's line number. */
export class RowRejected extends Error {}

const TRUE = new Set(['true', 't', '1', 'yes', 'y']);
const FALSE = new Set(['false', 'f', '0', 'no', 'n']);

/** A missing value is the field's default; an empty CSV cell or JSON null counts as missing. */
export function isMissing(value: unknown): value is undefined | null | '' {
  return value === undefined || value === null || value === '';
}

/** Booleans as JSON, 0/1, or the words PostgreSQL (`t`/`f`), CSV exports and people write. */
export function parseFlag(value: unknown, field: string, fallback: boolean): boolean {
  if (isMissing(value)) return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE.has(word)) return true;
    if (FALSE.has(word)) return false;
  }
  throw new RowRejected(`${field} is not a boolean: ${JSON.stringify(value)}`);
}

const NAIVE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * A time as epoch ms. ISO 8601 and SQL timestamps (a time without a zone is UTC, as the exports write them),
 * epoch milliseconds, or epoch seconds (numbers below 10^11, i.e. before 1973 as milliseconds).
 */
export function parseTime(value: unknown, field: string): number | null {
  if (isMissing(value)) return null;
  let ms = Number.NaN;
  if (typeof value === 'number') ms = value < 1e11 ? value * 1000 : value;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return parseTime(Number(text), field);
    const iso = NAIVE.test(text) ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
    ms = Date.parse(iso);
  }
  if (!Number.isFinite(ms)) throw new RowRejected(`${field} is not a date: ${JSON.stringify(value)}`);
  return Math.round(ms);
}

export function parseText(value: unknown, field: string): string | null {
  if (isMissing(value)) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new RowRejected(`${field} is not text: ${JSON.stringify(value)}`);
}
