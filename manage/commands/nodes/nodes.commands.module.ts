import { Module } from '@nestjs/common';
import { AdminCoreModule } from '../../../src/admin/admin.module';
import { NodeListCommand, NodeModifyCommand } from './node.commands';

@Module({ imports: [AdminCoreModule], providers: [NodeListCommand, NodeModifyCommand] })
export class NodesCommandsModule {}
