/**
 * A fetched history with every payload's bytes as text (they come base64-encoded, or as bytes),
 * so a test can search it for what must, or must not, have entered it.
 */
export function historyText(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
    return value;
  });
}
