export * from './aes-gcm-codec';
export * from './data-converter';
export * from './workflow-bundles';
export * from './keys';
export * from './codec-server';
export * from './codec-session';
export * from './payload-binding';
