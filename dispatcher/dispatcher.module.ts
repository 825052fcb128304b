import {
  DynamicModule,
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Server } from 'node:http';
import {
  ConfigModule,
  LoggerModule,
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  RapiModule,
  type Logger,
  type NefosConfig,
} from '@nefos/contracts';
import {
  DatabaseModule,
  NetworkEventRepository,
  ServerEventRepository,
  ServerResourcesRepository,
  SystemStateRepository,
} from '@nefos/database';
import { BackendNames } from './apply/backend-names';
import { EventRouter } from './apply/event.router';
import { ResourceSync } from './apply/resource-sync';
import { ServerEventService } from './apply/server-event.service';
import { SideEventService } from './apply/side-event.service';
import { DispatcherMetrics } from './metrics/dispatcher.metrics';
import { startMetricsServer } from './metrics/metrics.server';
import { DeadLetterQueue } from './queue/dead-letter.queue';
import { DEAD_LETTERS, EventWorkers } from './queue/event.workers';
import { TaskSweeper } from './tasks/task.sweeper';

/** Serves `/metrics` on the one port the dispatcher opens. */
class DispatcherMetricsEndpoint implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | null = null;
  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    @Inject(DispatcherMetrics) private readonly metrics: DispatcherMetrics,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    this.server = await startMetricsServer(
      this.metrics.registry,
      this.config.listenHost,
      this.config.dispatcher.metricsPort,
    );
    this.log.info({ port: this.config.dispatcher.metricsPort }, 'dispatcher metrics listening');
  }
  async onApplicationShutdown(): Promise<void> {
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}

/** What applies events to the database; shared by the dispatcher and reconciliation (CLI). */
export const APPLY_PROVIDERS = [
  ServerEventRepository,
  ServerResourcesRepository,
  SystemStateRepository,
  NetworkEventRepository,
  BackendNames,
  ResourceSync,
  ServerEventService,
  SideEventService,
  EventRouter,
];

@Module({})
export class DispatcherModule {
  static forRoot(config: NefosConfig, logger: Logger): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(logger),
        DatabaseModule,
        RapiModule,
      ],
      providers: [
        ...APPLY_PROVIDERS,
        DispatcherMetrics,
        DispatcherMetricsEndpoint,
        { provide: DEAD_LETTERS, useFactory: () => new DeadLetterQueue(config) },
        EventWorkers,
        TaskSweeper,
      ],
    };
  }
}
