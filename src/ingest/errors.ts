/**
 * An input problem the user can act on: names the file and the place in it
 * (block, line, feature index, field). Every reader throws this for bad input.
 */
export class IngestError extends Error {
  constructor(
    readonly file: string,
    readonly location: string | undefined,
    readonly problem: string,
  ) {
    super(`${file}${location ? ` (${location})` : ''}: ${problem}`);
    this.name = 'IngestError';
  }
}
