import { Module } from '@nestjs/common';
import { AdminCoreModule } from '../../../src/admin/admin.module';
import {
  BackendAddCommand,
  BackendListCommand,
  BackendModifyCommand,
  BackendRemoveCommand,
} from './backend.commands';

/** backend-add/list/modify/remove: the same service the dashboard uses. */
@Module({
  imports: [AdminCoreModule],
  providers: [BackendAddCommand, BackendListCommand, BackendModifyCommand, BackendRemoveCommand],
})
export class BackendsCommandsModule {}
