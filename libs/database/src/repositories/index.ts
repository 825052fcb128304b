export * from './backend.repository';
export * from './console-token.repository';
export * from './console-access.repository';
