import { Injectable } from '@nestjs/common';
import type { EventMessage } from '@nefos/contracts';
import { ServerEventService, type ApplyOutcome } from './server-event.service';
import { SideEventService } from './side-event.service';

/** One validated message to the service that applies it. */
@Injectable()
export class EventRouter {
  constructor(
    private readonly ops: ServerEventService,
    private readonly side: SideEventService,
  ) {}

  apply(message: EventMessage): Promise<ApplyOutcome> {
    switch (message.type) {
      case 'op':
        return this.ops.applyOp(message);
      case 'network':
        return this.side.applyNetwork(message);
      case 'progress':
        return this.side.applyProgress(message);
      case 'cluster':
        return this.side.applyCluster(message);
    }
  }
}
