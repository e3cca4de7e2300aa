export * from './advance-clients';
export * from './event-delivery-activities';
export * from './failures';
export * from './lifecycle-activities';
