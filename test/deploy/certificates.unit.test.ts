import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLUSTER_FILES } from '../../tools/cluster/paths';

/**
 * deploy/create-certificates.sh renews a certificate and rotates an authority as docs/deploy.md
 * ("Mutual TLS to Temporal") tells operators to: files are rewritten in place (a bind mount keeps
 * its inode), a new authority is trusted beside the old one until the old one is dropped.
 */

let dir: string;
const script = (...args: string[]) =>
  execFileSync('bash', [CLUSTER_FILES.createCertificatesScript, '--dir', dir, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '' },
  });
const file = (name: string) => path.join(dir, name);
const certificate = (name: string) => new X509Certificate(readFileSync(file(name)));
/** Every certificate of a trust file (several during an authority's rotation). */
const authorities = (name: string) =>
  (
    readFileSync(file(name), 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []
  ).map((pem) => new X509Certificate(pem));
const trusted = (cert: X509Certificate, trustFile: string) =>
  authorities(trustFile).some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hotdocs-certificates-'));
  script();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('--renew issues a new key and certificate from the same authority, in place', () => {
  const before = certificate('tls_gateway_cert');
  const inode = statSync(file('tls_gateway_cert')).ino;
  const key = readFileSync(file('tls_gateway_key'), 'utf8');
  const untouched = readFileSync(file('tls_worker_cert'), 'utf8');
  expect(script('--renew', 'gateway')).toBe('renewed  tls_gateway_cert\n');
  const after = certificate('tls_gateway_cert');
  expect(after.serialNumber).not.toBe(before.serialNumber);
  expect(readFileSync(file('tls_gateway_key'), 'utf8')).not.toBe(key);
  expect(statSync(file('tls_gateway_cert')).ino).toBe(inode);
  expect(trusted(after, 'tls_ca')).toBe(true);
  expect(after.subject).toBe(before.subject);
  expect(readFileSync(file('tls_worker_cert'), 'utf8')).toBe(untouched);
});

test('an authority rotates: new beside old, leaves renewed, old dropped', () => {
  const oldWorker = certificate('tls_worker_cert');
  const oldInternode = certificate('tls_internode_cert');
  script('--new-ca', 'clients');
  expect(authorities('tls_ca')).toHaveLength(2);
  // While both are trusted, certificates of either authority are accepted.
  expect(trusted(oldWorker, 'tls_ca')).toBe(true);
  script('--renew', 'all');
  const newWorker = certificate('tls_worker_cert');
  expect(newWorker.checkIssued(authorities('tls_ca')[0]!)).toBe(true);
  expect(trusted(certificate('tls_frontend_cert'), 'tls_ca')).toBe(true);
  script('--drop-old-ca', 'clients');
  expect(authorities('tls_ca')).toHaveLength(1);
  expect(trusted(newWorker, 'tls_ca')).toBe(true);
  expect(trusted(oldWorker, 'tls_ca')).toBe(false);
  // The other authority was not touched: its certificates, old and renewed, stay trusted.
  expect(authorities('tls_internode_ca')).toHaveLength(1);
  expect(trusted(oldInternode, 'tls_internode_ca')).toBe(true);
  expect(trusted(certificate('tls_internode_cert'), 'tls_internode_ca')).toBe(true);
  expect(certificate('tls_internode_cert').serialNumber).not.toBe(oldInternode.serialNumber);
});

test('a second run keeps everything; an unknown name is refused', () => {
  expect(script()).not.toContain('created');
  const unknown = spawnSync(
    'bash',
    [CLUSTER_FILES.createCertificatesScript, '--dir', dir, '--renew', 'browser'],
    {
      encoding: 'utf8',
    },
  );
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toContain(
    'no certificate "browser": frontend, internode, worker, gateway, ui, operator',
  );
});
