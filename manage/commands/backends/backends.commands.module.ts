import { Module } from '@nestjs/common';
import { BackendListCommand } from './backend-list.command';

@Module({ providers: [BackendListCommand] })
export class BackendsCommandsModule {}
