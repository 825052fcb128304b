import { Global, Module } from '@nestjs/common';
import { PrismaService } from './prisma.service';
import { BackendRepository } from './repositories';

const REPOSITORIES = [BackendRepository];

@Global()
@Module({ providers: [PrismaService, ...REPOSITORIES], exports: [PrismaService, ...REPOSITORIES] })
export class DatabaseModule {}
