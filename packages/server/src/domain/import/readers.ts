import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { splitJsonArray } from './json-array.js';
import type { SourceRow } from './mapping.js';
import { ImportSyntaxError } from './source-errors.js';

export const IMPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** A row of the file with the line it starts on; `problem` when the row itself is unusable (it is rejected). */
export interface SourceRecord {
  readonly line: number;
  readonly row: SourceRow;
  readonly problem?: string;
}

/** csv, json or ndjson from the file name (`.jsonl` too), or undefined when the extension says nothing. */
export function formatFromName(name: string): ImportFormat | undefined {
  const extension = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (extension === 'csv') return 'csv';
  if (extension === 'json') return 'json';
  if (extension === 'ndjson' || extension === 'jsonl') return 'ndjson';
  return undefined;
}

/** Rows of the input one at a time; a broken line ends the stream with an ImportSyntaxError naming it. */
export function readRecords(input: Readable, format: ImportFormat): AsyncGenerator<SourceRecord> {
  if (format === 'csv') return readCsv(input);
  if (format === 'json') return readJsonArray(input);
  return readNdjson(input);
}

function parsed(text: string, line: number): SourceRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ImportSyntaxError(line, `not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { line, row: {}, problem: 'not a JSON object' };
  return { line, row: value as SourceRow };
}

async function* readNdjson(input: Readable): AsyncGenerator<SourceRecord> {
  // Not readline: its async iterator queues lines without backpressure, so a fast disk fills memory with the file.
  input.setEncoding('utf8');
  let line = 0;
  let rest = '';
  const one = (text: string) => {
    line++;
    const clean = text.endsWith('\r') ? text.slice(0, -1) : text;
    return clean.trim() === '' ? undefined : parsed(line === 1 ? clean.replace(/^\uFEFF/, '') : clean, line);
  };
  for await (const chunk of input as AsyncIterable<string>) {
    let start = 0;
    let end = chunk.indexOf('\n');
    while (end !== -1) {
      const record = one(rest + chunk.slice(start, end));
      rest = '';
      if (record) yield record;
      start = end + 1;
      end = chunk.indexOf('\n', start);
    }
    rest += chunk.slice(start);
  }
  const last = rest === '' ? undefined : one(rest);
  if (last) yield last;
}

async function* readJsonArray(input: Readable): AsyncGenerator<SourceRecord> {
  input.setEncoding('utf8');
  let first = true;
  async function* withoutBom(): AsyncGenerator<string> {
    for await (const chunk of input as AsyncIterable<string>) {
      yield first ? chunk.replace(/^\uFEFF/, '') : chunk;
      first = false;
    }
  }
  for await (const element of splitJsonArray(withoutBom())) yield parsed(element.text, element.line);
}

interface CsvRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/** CSV with a header row; an empty cell is null. A row with more or fewer cells than the header is rejected. */
async function* readCsv(input: Readable): AsyncGenerator<SourceRecord> {
  // Records parsed but not yet handed over: a parse error destroys the stream and drops them, yet they come before
  // the broken line and must be imported.
  const parsedAhead: CsvRecord[] = [];
  const parser = input.pipe(
    parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // Typed as returning the record's own type; returning another object is what the option is for.
      on_record: ((record: string[], context: { lines: number }) => {
        const item = { record, info: { lines: context.lines } };
        parsedAhead.push(item);
        return item;
      }) as never,
    }),
  );
  input.on('error', (error) => parser.destroy(error));
  let header: string[] | undefined;
  function* toRecords(items: Iterable<CsvRecord>): Generator<SourceRecord> {
    for (const { record, info } of items) {
      if (!header) {
        header = record.map((name) => name.trim());
        continue;
      }
      const row: Record<string, string | null> = {};
      header.forEach((name, index) => {
        const cell = record[index];
        row[name] = cell === undefined || cell === '' ? null : cell;
      });
      yield record.length === header.length
        ? { line: info.lines, row }
        : { line: info.lines, row, problem: `has ${record.length} cells, the header has ${header.length}` };
    }
  }
  try {
    for await (const item of parser as AsyncIterable<CsvRecord>) {
      parsedAhead.shift();
      yield* toRecords([item]);
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!code?.startsWith('CSV_')) throw error;
    yield* toRecords(parsedAhead.splice(0));
    throw new ImportSyntaxError(parser.info.lines, (error as Error).message);
  }
}
