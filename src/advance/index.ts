/** The HotDocs Advance REST API client (v1.1 and v2.0): no Temporal in here, usable on its own. */
export * from './answer-xml';
export * from './callback-signature';
export * from './client';
export type { AnswerSets } from './answer-sets';
export type { FinishInterviewOptions, InterviewSessionRef } from './core-interview';
export * from './errors';
export * from './model';
export * from './options';
export type * from './protocol';
export * from './retry-safe';
export * from './secret';
export * from './token-cache';
export type { AdvanceClientDependencies, AdvanceRequestEvent } from './transport';
export { fileNameFrom } from './response-body';
export * from './urls';
export * from './version-status';
