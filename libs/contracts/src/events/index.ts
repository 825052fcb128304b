export * from './queue-name.enum';
export * from './event.schemas';
export * from './job-options';
export * from './heartbeat';
export * from './dead-letter';
export * from './event.publisher';
export * from './heartbeat.probe';
export * from './queue-close';
