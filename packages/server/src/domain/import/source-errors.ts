/** The file cannot be read past this line (broken JSON, an unclosed CSV quote): the import stops there. */
export class ImportSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}
