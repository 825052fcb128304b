export * from './quota.types';
export * from './quota.errors';
export * from './quota.store';
