import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { FlavorRepository, KeyPairRepository, ServerRepository } from '@nefos/database';
import { BackendPlacementRepository } from '@nefos/database';
import { InventoryModule } from '../admin/inventory/inventory.module';
import { BackendAllocator } from '../backends/backend.allocator';
import { ImagesModule } from '../images/images.module';
import { PortAllocator } from '../networks/port-allocator';
import { AvailabilityZonesController } from './availability-zones/availability-zones.controller';
import { ComputeApiInterceptor } from './common/compute-api.interceptor';
import { computePathMiddleware } from './common/compute-request';
import { ExtensionsController } from './extensions/extensions.controller';
import { FlavorService } from './flavors/flavor.service';
import { FlavorsController } from './flavors/flavors.controller';
import { ComputeImagesController } from './images/compute-images.controller';
import { KeyPairService } from './keypairs/keypair.service';
import { KeypairsController } from './keypairs/keypairs.controller';
import { LimitsController } from './limits/limits.controller';
import { OpenApiBuilder } from '../common/openapi/openapi-builder';
import { ComputeDocsController } from './openapi/compute-docs.controller';
import { ChangePasswordAction } from './servers/actions/change-password.action';
import { ConfirmResizeAction } from './servers/actions/confirm-resize.action';
import { CreateImageAction } from './servers/actions/create-image.action';
import { RebootAction } from './servers/actions/reboot.action';
import { RebuildAction } from './servers/actions/rebuild.action';
import { ResizeAction } from './servers/actions/resize.action';
import { RevertResizeAction } from './servers/actions/revert-resize.action';
import { ServerActionRegistry } from './servers/actions/server-action.registry';
import { StartAction } from './servers/actions/start.action';
import { StopAction } from './servers/actions/stop.action';
import { ServerCreateService } from './servers/server-create.service';
import { ServerDeleteService } from './servers/server-delete.service';
import { ServerDetailsController } from './servers/server-details.controller';
import {
  InstanceActionsController,
  InstanceActionTrail,
} from './servers/instance-actions.controller';
import { ServerMetadataService } from './servers/server-metadata.service';
import { ServerQueryService } from './servers/server-query.service';
import { ServerTaskRunner } from './servers/server-task.runner';
import { ServersController } from './servers/servers.controller';
import { VersionsController } from './versions/versions.controller';

/** Server actions this module implements; other modules add theirs with `@ServerAction(key)`. */
const ACTIONS = [
  RebootAction,
  StartAction,
  StopAction,
  ResizeAction,
  ConfirmResizeAction,
  RevertResizeAction,
  RebuildAction,
  ChangePasswordAction,
  CreateImageAction,
];

/** The OpenStack Compute v2.1 API under `/compute` (DESIGN §6-§7). */
@Module({
  imports: [DiscoveryModule, ImagesModule, InventoryModule],
  controllers: [
    VersionsController,
    ComputeDocsController,
    ServersController,
    ServerDetailsController,
    InstanceActionsController,
    FlavorsController,
    ComputeImagesController,
    KeypairsController,
    LimitsController,
    AvailabilityZonesController,
    ExtensionsController,
  ],
  providers: [
    OpenApiBuilder,
    ComputeApiInterceptor,
    ServerRepository,
    FlavorRepository,
    KeyPairRepository,
    BackendPlacementRepository,
    BackendAllocator,
    PortAllocator,
    FlavorService,
    KeyPairService,
    ServerQueryService,
    ServerCreateService,
    ServerDeleteService,
    ServerMetadataService,
    InstanceActionTrail,
    ServerTaskRunner,
    ServerActionRegistry,
    ...ACTIONS,
  ],
  exports: [ServerTaskRunner, ServerRepository, ServerActionRegistry],
})
export class ComputeModule implements NestModule {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /**
   * The path rewrite must run before the router matches (Nest's own middleware is mounted under
   * the route and cannot change which route matches), so it goes straight onto Express here,
   * which Nest calls before it registers the routes.
   */
  configure(_consumer: MiddlewareConsumer): void {
    this.adapterHost.httpAdapter.use(computePathMiddleware);
  }
}
