/** An error that is answered as is: its status code and message (plugins/logging-and-errors.ts). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}
