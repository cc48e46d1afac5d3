/** The closed set of failures the use-cases report; http/problems.ts maps each to a status and a title. */
export type NotesErrorCode = 'not_found' | 'tag_name_taken' | 'invalid_cursor';

const DETAILS: Record<NotesErrorCode, string> = {
  not_found: 'No such object',
  tag_name_taken: 'You already have a tag with this name',
  invalid_cursor: 'The cursor is not one this API handed out',
};

export class NotesError extends Error {
  constructor(
    readonly code: NotesErrorCode,
    readonly detail: string = DETAILS[code],
  ) {
    super(detail);
    this.name = 'NotesError';
  }
}
