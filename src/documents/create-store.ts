import type { DocumentStoreConfig } from '../config/document-store';
import type { DocumentStore } from './document-store';

/**
 * The store for a configuration. Only the chosen store's module (and SDK) is loaded: the S3 and
 * Azure SDKs together cost a process about 35 MB and 0.2 s, which a filesystem worker need not pay.
 * `require` rather than `import()`: synchronous, and resolved the same way under tsc's CommonJS
 * output, ts-jest and `node --require tsx/cjs` (which has no hook for a dynamic ESM import).
 */
export function createDocumentStore(config: DocumentStoreConfig): DocumentStore {
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy loading, see above */
  switch (config.kind) {
    case 'filesystem': {
      const { FileSystemDocumentStore } =
        require('./filesystem-store') as typeof import('./filesystem-store');
      return new FileSystemDocumentStore(config.dir);
    }
    case 's3': {
      const { S3DocumentStore } = require('./s3-store') as typeof import('./s3-store');
      return new S3DocumentStore(config.s3);
    }
    case 'azure-blob': {
      const { AzureBlobDocumentStore } = require('./azure-blob-store') as typeof import('./azure-blob-store');
      return new AzureBlobDocumentStore(config.azure);
    }
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}
