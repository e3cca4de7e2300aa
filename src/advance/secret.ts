import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';

/**
 * Holds a secret (password, access token) so that logging, JSON serialisation or string
 * interpolation of any object that carries it shows `[redacted]`; only `reveal()` gives the value.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}

/**
 * A secret kept in a file (a mounted Kubernetes or Docker secret), read again at every use, so
 * that a rotated password is picked up without a restart: a lifecycle that needed attention after
 * a refused login completes once the file holds the new password. While the file cannot be read
 * or is empty, the last value read is used.
 */
export class FileSecret extends Secret {
  #last: string;

  constructor(
    readonly file: string,
    current: string,
  ) {
    super(current);
    this.#last = current;
  }

  override reveal(): string {
    try {
      const value = readFileSync(this.file, 'utf8').replace(/\r?\n$/, '');
      if (value !== '') this.#last = value;
    } catch {
      // keep the last value: a file being replaced may be briefly missing
    }
    return this.#last;
  }
}
