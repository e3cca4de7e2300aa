import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request, type Dispatcher } from 'undici';

/**
 * Downloads a lifecycle's documents over the HTTP gateway into a folder, checking each file's
 * SHA-256 against the one the gateway lists (what the worker stored and Advance announced).
 * Used by `hotdocs-temporal documents`; business systems can call it too.
 */

export interface DocumentDownloadOptions {
  /** The gateway's base URL, such as http://127.0.0.1:8080. */
  gatewayUrl: string;
  /** An API key of the gateway (sent as `Authorization: Bearer`; never printed). */
  apiKey: string;
  lifecycleId: string;
  /** Where the files go: `<outDir>/<versionId>/<fileName>`, one folder per session. */
  outDir: string;
  /** Replace files that exist. @default false: an existing file stops the download before any is written */
  force?: boolean;
  /** undici dispatcher (proxy, TLS options). @default undici's global dispatcher */
  dispatcher?: Dispatcher;
}

/** One document as written. */
export interface DownloadedDocument {
  documentId: string;
  versionId: string;
  fileName: string;
  /** The file written, as given by `outDir` (relative when it is). */
  path: string;
  size: number;
  sha256: string;
}

export type DocumentDownloadErrorCode =
  /** The gateway answered with an error (its code and message are in the message). */
  | 'gateway-error'
  /** The gateway could not be reached. */
  | 'gateway-unreachable'
  /** A file is there already and `force` was not given. */
  | 'file-exists'
  /** The bytes received do not have the SHA-256 the gateway lists; nothing was kept. */
  | 'checksum-mismatch';

export class DocumentDownloadError extends Error {
  constructor(
    readonly code: DocumentDownloadErrorCode,
    message: string,
    /** The gateway's error code, for `gateway-error` (`unauthorized`, `lifecycle-not-found`, ...). */
    readonly gatewayCode?: string,
  ) {
    super(message);
    this.name = 'DocumentDownloadError';
  }
}

interface ListedDocument {
  documentId: string;
  versionId: string;
  fileName: string;
  size?: number;
  sha256?: string;
}

/** Downloads every stored document of the lifecycle; resolves with what was written. */
export async function downloadLifecycleDocuments(
  options: DocumentDownloadOptions,
): Promise<DownloadedDocument[]> {
  const base = `${options.gatewayUrl.replace(/\/+$/, '')}/v1/assemblies/${encodeURIComponent(options.lifecycleId)}/documents`;
  const listed = (await getJson(`${base}`, options)) as { documents: ListedDocument[] };
  const planned = listed.documents.map((document) => ({
    document,
    target: path.join(options.outDir, safeName(document.versionId), safeName(document.fileName)),
  }));
  if (options.force !== true) {
    for (const { target } of planned) {
      if (await exists(target)) {
        throw new DocumentDownloadError('file-exists', `${target} exists; use --force to replace it`);
      }
    }
  }
  const written: DownloadedDocument[] = [];
  for (const { document, target } of planned) {
    const url = `${base}/${encodeURIComponent(document.documentId)}?versionId=${encodeURIComponent(document.versionId)}`;
    const { size, sha256 } = await downloadTo(url, target, document, options);
    written.push({
      documentId: document.documentId,
      versionId: document.versionId,
      fileName: document.fileName,
      path: target,
      size,
      sha256,
    });
  }
  return written;
}

/** Streams one document into `target` through a hash; renamed into place only when it checks out. */
async function downloadTo(
  url: string,
  target: string,
  document: ListedDocument,
  options: DocumentDownloadOptions,
): Promise<{ size: number; sha256: string }> {
  const answer = await followRedirect(await send(url, options), url, options);
  if (answer.statusCode !== 200) throw await gatewayError(answer, url);
  await mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.${randomBytes(6).toString('hex')}.partial`;
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(answer.body, meter, createWriteStream(partial, { flags: 'wx' }));
    const sha256 = hash.digest('hex');
    if (document.sha256 !== undefined && sha256 !== document.sha256.toLowerCase()) {
      throw new DocumentDownloadError(
        'checksum-mismatch',
        `document ${document.documentId} (${document.fileName}, session ${document.versionId}): received ` +
          `${size} bytes with SHA-256 ${sha256}, the gateway lists ${document.sha256}; nothing was kept`,
      );
    }
    await rename(partial, target);
    return { size, sha256 };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

async function getJson(url: string, options: DocumentDownloadOptions): Promise<unknown> {
  const answer = await send(url, options);
  if (answer.statusCode !== 200) throw await gatewayError(answer, url);
  return answer.body.json();
}

/**
 * A gateway with GATEWAY_DOCUMENT_REDIRECT answers 302 to a signed URL of the store: that URL is
 * the credential, so it is fetched without the API key (which must not reach the store).
 */
async function followRedirect(
  answer: Dispatcher.ResponseData,
  url: string,
  options: DocumentDownloadOptions,
): Promise<Dispatcher.ResponseData> {
  const location = answer.headers['location'];
  if (![301, 302, 303, 307, 308].includes(answer.statusCode) || typeof location !== 'string') return answer;
  await answer.body.dump();
  const signed = await send(new URL(location, url).href, { ...options, apiKey: undefined });
  if (signed.statusCode !== 200) {
    await signed.body.dump();
    throw new DocumentDownloadError(
      'gateway-error',
      `the signed document URL the gateway redirected to answered ${signed.statusCode}`,
    );
  }
  return signed;
}

async function send(
  url: string,
  options: Omit<DocumentDownloadOptions, 'apiKey'> & { apiKey: string | undefined },
): Promise<Dispatcher.ResponseData> {
  try {
    return await request(url, {
      headers: options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` },
      ...(options.dispatcher !== undefined && { dispatcher: options.dispatcher }),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // Without the query: a signed URL's query is its credential.
    throw new DocumentDownloadError(
      'gateway-unreachable',
      `cannot reach ${url.replace(/\?.*$/s, '')}: ${reason}`,
    );
  }
}

async function gatewayError(answer: Dispatcher.ResponseData, url: string): Promise<DocumentDownloadError> {
  const text = await answer.body.text().catch(() => '');
  let body: { error?: { code?: string; message?: string } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const code = body?.error?.code;
  const message = body?.error?.message ?? (text.slice(0, 200) || 'no answer body');
  return new DocumentDownloadError(
    'gateway-error',
    `GET ${url.replace(/\?.*$/, '')} answered ${answer.statusCode}${code === undefined ? '' : ` ${code}`}: ${message}`,
    code,
  );
}

/** A file or folder name that stays inside its folder on every file system. */
export function safeName(name: string): string {
  const base = name
    .replace(/[\\/]/g, '_')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
    .replace(/[\u0000-\u001f<>:"|?*]/g, '_')
    .trim();
  return base === '' || /^\.+$/.test(base) ? '_' : base.slice(0, 200);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
