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
import { DatabaseModule } from '@nefos/database';
import { APPLY_PROVIDERS } from './apply/apply.providers';
import { DispatcherMetrics } from './metrics/dispatcher.metrics';
import { startMetricsServer } from '@nefos/contracts/metrics';
import { DeadLetterQueue } from '@nefos/contracts';
import { DEAD_LETTERS, EventWorkers } from './queue/event.workers';
import { PeriodicScheduler } from './reconcile/periodic.scheduler';
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
      { bearerToken: this.config.ops.metricsToken },
    );
    this.log.info({ port: this.config.dispatcher.metricsPort }, 'dispatcher metrics listening');
  }
  async onApplicationShutdown(): Promise<void> {
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}

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
        PeriodicScheduler,
      ],
    };
  }
}
