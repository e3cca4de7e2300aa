import net from 'node:net';

/**
 * Checks every port `npm run dev` will listen on before anything starts, so that a second
 * `npm run dev` (or anything else on those ports) is reported at once, by port and purpose,
 * instead of after some steps already reported success.
 */
export async function assertPortsFree(ports: ReadonlyArray<{ port: number; what: string }>): Promise<void> {
  const taken: string[] = [];
  for (const { port, what } of ports) {
    if (!(await isFree(port))) taken.push(`${port} (${what})`);
  }
  if (taken.length === 0) return;
  throw new Error(
    `port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} already in use — is another npm run dev running? ` +
      'Stop it, or pick other ports (npm run dev -- --help).',
  );
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
