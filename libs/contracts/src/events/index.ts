export * from './queue-name.enum';
export * from './event.schemas';
export * from './job-options';
