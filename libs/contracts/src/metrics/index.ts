export * from './registry';
export * from './metrics.server';
export * from './rapi.metrics';
export * from './queue.metrics';
