import { EmulatorHttpError } from './http-error';

/**
 * A request body read as a JSON object. Property names match case-insensitively, as ASP.NET Core
 * model binding (and so Advance) does: `ClientName` and `clientName` are the same field.
 */
export class JsonBody {
  private readonly fields = new Map<string, unknown>();

  private constructor(object: Record<string, unknown>) {
    for (const [key, value] of Object.entries(object)) this.fields.set(key.toLowerCase(), value);
  }

  /** An empty body reads as `{}` when allowed (begin session may be sent without one). */
  static parse(raw: string | undefined, options: { allowEmpty: boolean }): JsonBody {
    if (raw === undefined || raw.trim() === '') {
      if (options.allowEmpty) return new JsonBody({});
      throw EmulatorHttpError.badRequest('A JSON request body is required');
    }
    const value = parseJsonText(raw);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw EmulatorHttpError.badRequest('The request body must be a JSON object');
    }
    return new JsonBody(value as Record<string, unknown>);
  }

  get(name: string): unknown {
    return this.fields.get(name.toLowerCase());
  }
}

/** Parses a JSON request body; malformed JSON is the client's fault (400). */
export function parseJsonText(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw EmulatorHttpError.badRequest(`Malformed JSON body: ${(error as Error).message}`);
  }
}
