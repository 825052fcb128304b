export * from './logger';
export * from './logger.module';
export * from './request-id';
