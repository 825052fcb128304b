import { Module, type OnModuleDestroy } from '@nestjs/common';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { QueueDepthReader } from '@nefos/contracts/metrics';
import { CapacityRepository } from './capacity.repository';
import { CapacityService } from './capacity.service';
import { FleetRepository } from './fleet.repository';

/**
 * The fleet as operators see it (servers, backends, nodes, event queues): shared by `/admin`,
 * `/metrics` and the CLI.
 */
@Module({
  providers: [
    FleetRepository,
    CapacityRepository,
    CapacityService,
    {
      provide: QueueDepthReader,
      inject: [NEFOS_CONFIG],
      useFactory: (config: NefosConfig) => new QueueDepthReader(config),
    },
  ],
  exports: [FleetRepository, CapacityRepository, CapacityService, QueueDepthReader],
})
export class InventoryModule implements OnModuleDestroy {
  constructor(private readonly queues: QueueDepthReader) {}

  async onModuleDestroy(): Promise<void> {
    await this.queues.close();
  }
}
