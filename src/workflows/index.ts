// The workflow bundle's entry point (`workflowsPath`): export workflow functions only.
export { assemblyLifecycle } from './assembly-lifecycle';
export { lifecycleEventDelivery } from './event-delivery';
