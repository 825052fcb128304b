export * from './rapi.types';
export * from './rapi.errors';
export * from './rapi.client';
export * from './rapi-client.factory';
export * from './rapi.module';
export * from './rapi-submit';
