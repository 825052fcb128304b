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
  EventPublisher,
  LoggerModule,
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  RapiClient,
  type Logger,
  type NefosConfig,
} from '@nefos/contracts';
import { EVENTD_INSTANCE_READER, EVENTD_PUBLISHER, EventdService } from './eventd.service';
import { EventdMetrics } from './metrics/eventd.metrics';
import { startMetricsServer } from '@nefos/contracts/metrics';
import { InstanceReader } from './readback/instance.reader';

/** Serves `/metrics` on the one port eventd opens. */
class EventdMetricsEndpoint implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | null = null;
  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    @Inject(EventdMetrics) private readonly metrics: EventdMetrics,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    this.server = await startMetricsServer(
      this.metrics.registry,
      this.config.listenHost,
      this.config.eventd.metricsPort,
      { bearerToken: this.config.ops.metricsToken },
    );
    this.log.info({ port: this.config.eventd.metricsPort }, 'eventd metrics listening');
  }
  async onApplicationShutdown(): Promise<void> {
    await new Promise((r) => this.server?.close(r) ?? r(undefined));
  }
}

/**
 * The event daemon: reads the job queue directory and RAPI, publishes to BullMQ. It never touches
 * the database, so it runs unchanged beside a real Ganeti master.
 */
@Module({})
export class EventdModule {
  static forRoot(config: NefosConfig, logger: Logger): DynamicModule {
    return {
      module: EventdModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(logger)],
      providers: [
        EventdMetrics,
        EventdMetricsEndpoint,
        EventdService,
        {
          provide: EVENTD_PUBLISHER,
          useFactory: () =>
            new EventPublisher(config, (err) =>
              logger.warn({ err: err.message }, 'Redis connection trouble'),
            ),
        },
        {
          provide: EVENTD_INSTANCE_READER,
          useFactory: () =>
            new InstanceReader(
              config.rapi.password
                ? new RapiClient({
                    url: config.eventd.rapiUrl,
                    user: config.rapi.user,
                    password: config.rapi.password,
                    timeoutMs: config.rapi.timeoutMs,
                    retries: config.rapi.retries,
                    name: config.eventd.cluster,
                  })
                : null,
            ),
        },
      ],
      exports: [EventdService],
    };
  }
}
