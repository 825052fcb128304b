export * from './backend.repository';
