/**
 * An error that becomes an HTTP answer with a `{"message": ...}` body, the error shape the
 * emulator uses everywhere (the Advance docs leave error bodies open).
 */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'EmulatorHttpError';
  }

  static badRequest(message: string): EmulatorHttpError {
    return new EmulatorHttpError(400, message);
  }

  static notFound(message: string): EmulatorHttpError {
    return new EmulatorHttpError(404, message);
  }
}
