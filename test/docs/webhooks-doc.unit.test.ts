import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as pkg from '../../src';
import { variablesOf } from '../../src/config';

/** docs/webhooks.md stays true to the package: what its TypeScript imports exists, its variables are read. */
const DOC = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'webhooks.md'), 'utf8');

test('every name the TypeScript examples import from the package is exported by it', () => {
  const imported = [...DOC.matchAll(/import \{([^}]+)\} from 'hotdocs-advance-temporal'/g)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '' && !name.startsWith('type ')),
  );
  expect(imported).toEqual(
    expect.arrayContaining(['lifecycleEventReceiver', 'verifyWebhook', 'WebhookVerificationError']),
  );
  expect(imported.filter((name) => !(name in pkg))).toEqual([]);
});

test('the variables it documents are the worker variables of the completion webhook', () => {
  const documented = [...DOC.matchAll(/`(COMPLETION_WEBHOOK_[A-Z_]+)`/g)].map((m) => m[1]!);
  const read = variablesOf('worker').filter((name) => name.startsWith('COMPLETION_WEBHOOK_'));
  expect([...new Set(documented)].sort()).toEqual(read.sort());
});
