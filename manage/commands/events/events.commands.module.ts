import { Module } from '@nestjs/common';
import { APPLY_PROVIDERS } from '../../../dispatcher/apply/apply.providers';
import { HooksInstallCommand } from './hooks-install.command';
import { QueueListDeadCommand, QueueRetryCommand } from './queue.commands';
import { ReconcileServersCommand } from './reconcile-servers.command';
import { StatusCheckCommand } from './status-check.command';

/** The event pipeline's commands: dead letters, reconciliation, the heartbeat, hooks. */
@Module({
  providers: [
    ...APPLY_PROVIDERS,
    QueueListDeadCommand,
    QueueRetryCommand,
    ReconcileServersCommand,
    StatusCheckCommand,
    HooksInstallCommand,
  ],
})
export class EventsCommandsModule {}
