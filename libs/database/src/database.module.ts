import { Global, Module } from '@nestjs/common';
import { PrismaService } from './prisma.service';
import { BackendRepository } from './repositories';
import { QuotaStore } from './quotas/quota.store';

const REPOSITORIES = [BackendRepository, QuotaStore];

@Global()
@Module({ providers: [PrismaService, ...REPOSITORIES], exports: [PrismaService, ...REPOSITORIES] })
export class DatabaseModule {}
