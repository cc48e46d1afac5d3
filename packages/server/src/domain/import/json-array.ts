import { ImportSyntaxError } from './source-errors.js';

export interface JsonElement {
  /** The line the element starts on (1-based). */
  readonly line: number;
  readonly text: string;
}

const enum State {
  Before,
  Between,
  Element,
  After,
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * Splits a top-level JSON array into the text of its elements without parsing the whole document, so an array of a
 * million users never sits in memory: only the element being read does. Tracks strings, escapes and nesting depth;
 * each element is then given to JSON.parse, which does the real validation.
 */
export async function* splitJsonArray(chunks: AsyncIterable<string>): AsyncGenerator<JsonElement> {
  let state: State = State.Before;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let startLine = 0;
  let partial = '';
  for await (const chunk of chunks) {
    let start = state === State.Element ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) line++;
      if (state === State.Element) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92) escaped = true;
          else if (c === 34) inString = false;
        } else if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if ((c === 125 || c === 93) && depth > 0) depth--;
        else if (depth === 0 && (c === 44 || c === 93)) {
          yield { line: startLine, text: partial + chunk.slice(start, i) };
          partial = '';
          state = c === 44 ? State.Between : State.After;
        }
        continue;
      }
      if (isSpace(c)) continue;
      if (state === State.Before) {
        if (c !== 91) throw new ImportSyntaxError(line, 'a JSON file must hold one array of users, starting with "["');
        state = State.Between;
      } else if (state === State.Between) {
        if (c === 93) {
          state = State.After;
          continue;
        }
        state = State.Element;
        start = i;
        startLine = line;
        depth = c === 123 || c === 91 ? 1 : 0;
        inString = c === 34;
        escaped = false;
      } else {
        throw new ImportSyntaxError(line, 'unexpected text after the end of the JSON array');
      }
    }
    if ((state as State) === State.Element) partial += chunk.slice(start);
  }
  if ((state as State) !== State.After) throw new ImportSyntaxError(line, 'the JSON array is not closed (the file ends inside it)');
}
