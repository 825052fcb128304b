export * from './server-state';
