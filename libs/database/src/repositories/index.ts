export * from './backend.repository';
export * from './console-token.repository';
export * from './console-access.repository';
export * from './flavor.repository';
export * from './image.repository';
export * from './keypair.repository';
export * from './server.repository';
