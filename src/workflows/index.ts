// The workflow bundle's entry point (`workflowsPath`): export workflow functions only.
export { assemblyLifecycle } from './workflows';
export { lifecycleEventDelivery } from './event-delivery';
