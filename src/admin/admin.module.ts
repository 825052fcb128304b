import { Module } from '@nestjs/common';
import { OpenApiBuilder } from '../common/openapi/openapi-builder';
import { AdminDocsController } from './admin-docs.controller';
import { AdminBackendsController } from './backends/admin-backends.controller';
import { BackendAdminRepository } from './backends/backend-admin.repository';
import { BackendAdminService } from './backends/backend-admin.service';
import { DashboardController } from './dashboard.controller';
import { AdminDeadLettersController } from './dead-letters/admin-dead-letters.controller';
import { DeadLetterStore } from './dead-letters/dead-letter.store';
import { InventoryModule } from './inventory/inventory.module';
import { AdminJobsController } from './jobs/admin-jobs.controller';
import { AdminJobsService } from './jobs/admin-jobs.service';
import { AdminOverviewController } from './overview/admin-overview.controller';
import { OpsStateRepository } from './overview/ops-state.repository';
import { OverviewService } from './overview/overview.service';
import { AdminServersController } from './servers/admin-servers.controller';
import { AdminServersService } from './servers/admin-servers.service';
import { ServerTrailRepository } from './servers/server-trail.repository';
import { ServerTrailService } from './servers/server-trail.service';

/** Services the admin API and `nefos-manage` share (the CLI imports this module without controllers). */
export const ADMIN_PROVIDERS = [
  BackendAdminRepository,
  BackendAdminService,
  ServerTrailRepository,
  ServerTrailService,
  AdminServersService,
  AdminJobsService,
  OpsStateRepository,
  OverviewService,
  DeadLetterStore,
];

@Module({
  imports: [InventoryModule],
  providers: ADMIN_PROVIDERS,
  exports: [InventoryModule, ...ADMIN_PROVIDERS],
})
export class AdminCoreModule {}

/** `/admin` (the dashboard) and `/admin/api/...` (what it and operators call). */
@Module({
  imports: [AdminCoreModule],
  controllers: [
    DashboardController,
    AdminDocsController,
    AdminOverviewController,
    AdminBackendsController,
    AdminServersController,
    AdminJobsController,
    AdminDeadLettersController,
  ],
  providers: [OpenApiBuilder],
})
export class AdminModule {}
