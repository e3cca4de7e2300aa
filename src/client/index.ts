/** What business systems import to drive HotDocs Advance lifecycles on Temporal. */
export * from './errors';
export * from './lifecycle-client';
export * from './lifecycle-list';
export * from './bulk-repair';
export * from './corrected-answers';
export type { CompleteInterviewOptions, InterviewCompletion } from './interview-completion';
export * from '../workflows/lifecycle-status';
export * from '../workflows/messages';
export * from '../workflows/message-rules';
export * from '../workflows/failure-types';
export type { FollowUpRequest, LifecycleInput } from './input-schema';
export * from './gateway-documents';
export { lifecycleEventSchema } from './lifecycle-event-schema';
