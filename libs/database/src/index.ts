export * from './prisma.service';
export * from './database.module';
export * from './migrations/migration-runner';
export * from './generated/prisma/client';
export * from './seed/seed';
export * from './seed/ipv4';
export * from './repositories';
export * from './quotas';
