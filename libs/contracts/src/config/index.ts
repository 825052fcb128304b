export * from './config.types';
export * from './config.loader';
export * from './config.module';
