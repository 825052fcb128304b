import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { InventoryModule } from '../admin/inventory/inventory.module';
import { ApiMetrics } from './api.metrics';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { InventoryCollector } from './inventory.collector';
import { MetricsController } from './metrics.controller';

/** The API's `/metrics`: HTTP, RAPI, servers, capacity and the event queues. */
@Module({
  imports: [InventoryModule],
  controllers: [MetricsController],
  providers: [ApiMetrics, InventoryCollector, HttpMetricsMiddleware],
  exports: [ApiMetrics],
})
export class MetricsModule implements NestModule {
  // InventoryCollector registers its gauges when constructed; asking for it here makes sure it is.
  constructor(_collector: InventoryCollector) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
  }
}
