export * from './advance-clients';
export * from './failures';
export * from './lifecycle-activities';
