import { Module } from '@nestjs/common';
import { QuotaSetsController } from './quota-sets.controller';

/** Nova's quota API over the shared QuotaStore (provided by DatabaseModule). */
@Module({ controllers: [QuotaSetsController] })
export class QuotasModule {}
