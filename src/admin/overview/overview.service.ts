import { Inject, Injectable } from '@nestjs/common';
import { NEFOS_CONFIG, OperState, type NefosConfig } from '@nefos/contracts';
import { QueueDepthReader, type QueueCounts } from '@nefos/contracts/metrics';
import { CapacityService } from '../inventory/capacity.service';
import { FleetRepository } from '../inventory/fleet.repository';
import { AdminServersService, type AdminServer } from '../servers/admin-servers.service';
import { OpsStateRepository, type StateRecord } from './ops-state.repository';

export interface BackendSummary {
  name: string;
  hypervisor: string;
  drained: boolean;
  offline: boolean;
  cpus: number;
  cpusFree: number;
  memoryMib: number;
  memoryFreeMib: number;
  diskMib: number;
  diskFreeMib: number;
  instances: number;
  nodes: number;
  nodesDrained: number;
  nodesOffline: number;
  capacityUpdatedAt: string | null;
  lastHeartbeatAt: string | null;
  lastHeartbeatOk: boolean | null;
  servers: Record<string, number>;
}

export interface Overview {
  generatedAt: string;
  servers: {
    total: number;
    byState: Record<string, number>;
    stuck: number;
    stuckAfterSeconds: number;
    /** The oldest stuck servers, for the front page. */
    stuckList: AdminServer[];
  };
  backends: BackendSummary[];
  heartbeats: StateRecord[];
  reconciliation: StateRecord[];
  queues: Record<string, QueueCounts> | null;
  deadLetters: number | null;
  problems: string[];
}

const LIVE_STATES = [OperState.Build, OperState.Started, OperState.Stopped, OperState.Error];

/** The dashboard's front page in one read: it is what the live stream pushes. */
@Injectable()
export class OverviewService {
  constructor(
    private readonly fleet: FleetRepository,
    private readonly servers: AdminServersService,
    private readonly capacity: CapacityService,
    private readonly state: OpsStateRepository,
    private readonly queues: QueueDepthReader,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  async overview(): Promise<Overview> {
    const problems: string[] = [];
    const refresh = await this.capacity.refreshStale();
    for (const r of refresh) if (!r.ok) problems.push(`capacity of ${r.backend}: ${r.error}`);
    const stuckBefore = this.servers.stuckBefore();
    const [counts, stuck, backends, records, queues, stuckPage] = await Promise.all([
      this.fleet.serverCounts(),
      this.fleet.stuckCounts(stuckBefore),
      this.fleet.backends(),
      this.state.records(['heartbeat:', 'reconcil']),
      this.queues.all().catch((err: Error) => {
        problems.push(`event queues: ${err.message}`);
        return null;
      }),
      this.servers.list({ stuck: true }, { limit: 10 }),
    ]);
    const byState: Record<string, number> = Object.fromEntries(LIVE_STATES.map((s) => [s, 0]));
    const perBackend = new Map<string, Record<string, number>>();
    for (const c of counts) {
      if (c.state === OperState.Destroyed) continue;
      byState[c.state] = (byState[c.state] ?? 0) + c.count;
      const key = c.backend ?? '';
      const m = perBackend.get(key) ?? {};
      m[c.state] = (m[c.state] ?? 0) + c.count;
      perBackend.set(key, m);
    }
    for (const b of backends) {
      if (b.offline) continue;
      if (b.lastHeartbeatOk === false) problems.push(`heartbeat of ${b.name} failed`);
    }
    const dead = queues?.['events.dead'];
    return {
      generatedAt: new Date().toISOString(),
      servers: {
        total: Object.values(byState).reduce((a, b) => a + b, 0),
        byState,
        stuck: stuck.reduce((n, s) => n + s.count, 0),
        stuckAfterSeconds: this.config.compute.stuckAfterSeconds,
        stuckList: stuckPage.servers,
      },
      backends: backends.map((b) => ({
        name: b.name,
        hypervisor: b.hypervisor,
        drained: b.drained,
        offline: b.offline,
        cpus: b.ctotal,
        cpusFree: b.cfree,
        memoryMib: b.mtotal,
        memoryFreeMib: b.mfree,
        diskMib: b.dtotal,
        diskFreeMib: b.dfree,
        instances: b.pinstCnt,
        nodes: b.nodes.length,
        nodesDrained: b.nodes.filter((n) => n.drained).length,
        nodesOffline: b.nodes.filter((n) => n.offline).length,
        capacityUpdatedAt: latest(b.nodes.map((n) => n.updatedAt)),
        lastHeartbeatAt: b.lastHeartbeatAt?.toISOString() ?? null,
        lastHeartbeatOk: b.lastHeartbeatOk,
        servers: perBackend.get(b.name) ?? {},
      })),
      heartbeats: records.filter((r) => r.key.startsWith('heartbeat:')),
      reconciliation: records.filter((r) => r.key.startsWith('reconcil')),
      queues,
      deadLetters: dead ? QueueDepthReader.deadLetters(dead) : null,
      problems,
    };
  }
}

function latest(dates: Date[]): string | null {
  if (dates.length === 0) return null;
  return new Date(Math.max(...dates.map((d) => d.getTime()))).toISOString();
}
