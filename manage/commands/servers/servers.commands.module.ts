import { Module } from '@nestjs/common';
import { AdminCoreModule } from '../../../src/admin/admin.module';
import { ServerInspectCommand, ServerListCommand, ServerShowCommand } from './server.commands';

@Module({
  imports: [AdminCoreModule],
  providers: [ServerListCommand, ServerShowCommand, ServerInspectCommand],
})
export class ServersCommandsModule {}
