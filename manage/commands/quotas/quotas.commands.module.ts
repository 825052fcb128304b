import { Module } from '@nestjs/common';
import { IdentityCommandsModule } from '../identity/identity.commands.module';
import { QuotaResetCommand, QuotaSetCommand, QuotaShowCommand } from './quota.commands';

@Module({
  imports: [IdentityCommandsModule],
  providers: [QuotaSetCommand, QuotaShowCommand, QuotaResetCommand],
})
export class QuotasCommandsModule {}
