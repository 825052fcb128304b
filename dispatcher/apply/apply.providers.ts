import {
  NetworkEventRepository,
  ServerEventRepository,
  ServerResourcesRepository,
  SystemStateRepository,
} from '@nefos/database';
import { ServerReconciler } from '../reconcile/server.reconciler';
import { BackendNames } from './backend-names';
import { EventRouter } from './event.router';
import { JobResubmitter } from './job-resubmitter';
import { ResubmitRepository } from './resubmit.repository';
import { ResourceSync } from './resource-sync';
import { ServerEventService } from './server-event.service';
import { SideEventService } from './side-event.service';

/**
 * What applies events to the database and reconciles, shared by the dispatcher and by
 * `nefos-manage reconcile-servers` (needs the global DatabaseModule and RapiModule).
 */
export const APPLY_PROVIDERS = [
  ServerEventRepository,
  ServerResourcesRepository,
  SystemStateRepository,
  NetworkEventRepository,
  BackendNames,
  ResourceSync,
  ResubmitRepository,
  JobResubmitter,
  ServerEventService,
  SideEventService,
  EventRouter,
  ServerReconciler,
];
