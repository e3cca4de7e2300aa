import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LifecycleClient } from '../client';
import type { ApiKeyRing } from './api-keys';
import type { GatewayConfig } from '../config';
import type { DocumentStore } from '../documents/document-store';
import type { FinishLinkSigner } from './finish-links';
import type { InterviewWaits } from './interview-waits';
import type { PublicLinks } from './links';
import type { UsedNonces } from './used-nonces';

/** What the routes share: one per gateway, built in buildGateway. */
export interface GatewayContext {
  lifecycles: LifecycleClient;
  config: GatewayConfig;
  /** The API keys in use (replaced whole when the key file is reloaded). */
  apiKeys: ApiKeyRing;
  links: PublicLinks;
  finishLinks: FinishLinkSigner;
  usedNonces: UsedNonces;
  /** The per-address limit that runs before authentication (one budget per address, all routes). */
  addressLimit: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Where the documents are read: the store the workers write to (DOCUMENT_STORE). */
  documents: DocumentStore;
  /** The held-open waits for an interview to begin: one update per lifecycle, capped. */
  interviewWaits: InterviewWaits;
  /** Aborted when the gateway closes, so held-open requests answer at once instead of delaying it. */
  closing: AbortSignal;
}
