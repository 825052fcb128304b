export * from './config';
export * from './events';
export * from './state';
export * from './rapi';
export * from './paths';
export * from './crypto';
export * from './logging';
export * from './redis';
