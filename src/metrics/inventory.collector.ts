import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { NEFOS_CONFIG, OperState, type NefosConfig } from '@nefos/contracts';
import { mibToBytes } from '@nefos/contracts/metrics';
import { CapacityService } from '../admin/inventory/capacity.service';
import { FleetRepository, type BackendWithNodes } from '../admin/inventory/fleet.repository';
import { ApiMetrics } from './api.metrics';

interface Snapshot {
  backends: BackendWithNodes[];
  servers: Awaited<ReturnType<FleetRepository['serverCounts']>>;
  stuck: Awaited<ReturnType<FleetRepository['stuckCounts']>>;
  tasks: Awaited<ReturnType<FleetRepository['taskCounts']>>;
}

const STATES = Object.values(OperState).filter((s) => s !== OperState.Destroyed);
// Servers not placed on a backend yet (or whose backend row is gone).
const UNPLACED = 'none';

/**
 * Servers by state per backend, and backend and node capacity, read from the database at each
 * scrape (after refreshing capacity older than `NEFOS_CAPACITY_MAX_AGE` through RAPI). Every
 * process of every replica may be scraped: these are gauges of shared state, so dashboards take
 * `max by (backend, ...)` across API replicas.
 */
@Injectable()
export class InventoryCollector {
  private pending: Promise<Snapshot | null> | null = null;

  constructor(
    metrics: ApiMetrics,
    private readonly fleet: FleetRepository,
    private readonly capacity: CapacityService,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {
    const registers = [metrics.registry];
    const readFailures = new Counter({
      name: 'nefos_inventory_read_failures_total',
      help: 'Scrapes that could not read servers and backends from the database',
      registers,
    });
    const refreshFailures = new Counter({
      name: 'nefos_capacity_refresh_failures_total',
      help: 'Failed reads of node capacity through RAPI, by backend',
      labelNames: ['backend'],
      registers,
    });
    capacity.onFailure = (backend) => refreshFailures.inc({ backend });
    const snapshot = (): Promise<Snapshot | null> => {
      this.pending ??= this.read()
        .catch(() => {
          readFailures.inc();
          return null;
        })
        .finally(() => setImmediate(() => (this.pending = null)));
      return this.pending;
    };
    const gauge = (
      name: string,
      help: string,
      labelNames: string[],
      fill: (g: Gauge, s: Snapshot) => void,
    ): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          this.reset();
          const s = await snapshot();
          if (s) fill(this, s);
        },
      });
    };

    gauge(
      'nefos_servers',
      'Live (not deleted) servers by backend and operational state',
      ['backend', 'state'],
      (g, s) => {
        for (const b of s.backends)
          for (const state of STATES) g.set({ backend: b.name, state }, 0);
        for (const c of s.servers) {
          if (c.state === OperState.Destroyed) continue;
          g.inc({ backend: c.backend ?? UNPLACED, state: c.state }, c.count);
        }
      },
    );
    gauge(
      'nefos_servers_stuck',
      `Servers in BUILD (reason build) or with a pending task (reason task) for longer than NEFOS_STUCK_AFTER (${config.compute.stuckAfterSeconds} s)`,
      ['backend', 'reason'],
      (g, s) => {
        for (const b of s.backends)
          for (const reason of ['build', 'task']) g.set({ backend: b.name, reason }, 0);
        for (const c of s.stuck) g.inc({ backend: c.backend ?? UNPLACED, reason: c.kind }, c.count);
      },
    );
    gauge(
      'nefos_servers_pending_tasks',
      'Servers with a pending task, by backend and task',
      ['backend', 'task'],
      (g, s) => {
        for (const c of s.tasks) g.inc({ backend: c.backend ?? UNPLACED, task: c.task }, c.count);
      },
    );

    const perBackend = (
      name: string,
      help: string,
      value: (b: BackendWithNodes) => number | null,
    ): void =>
      gauge(name, help, ['backend'], (g, s) => {
        for (const b of s.backends) {
          const v = value(b);
          if (v !== null) g.set({ backend: b.name }, v);
        }
      });
    perBackend(
      'nefos_backend_drained',
      '1 when the backend takes no new servers (drained)',
      (b) => +b.drained,
    );
    perBackend(
      'nefos_backend_offline',
      '1 when the backend is offline (not contacted)',
      (b) => +b.offline,
    );
    perBackend(
      'nefos_backend_heartbeat_ok',
      '1 when the last end-to-end heartbeat arrived in time',
      (b) => (b.lastHeartbeatOk === null ? null : +b.lastHeartbeatOk),
    );
    perBackend(
      'nefos_backend_last_heartbeat_timestamp_seconds',
      'When the last heartbeat was checked (unix time)',
      (b) => (b.lastHeartbeatAt ? b.lastHeartbeatAt.getTime() / 1000 : null),
    );
    perBackend('nefos_backend_cpus', 'CPUs of the online nodes of the backend', (b) => b.ctotal);
    perBackend(
      'nefos_backend_cpus_free',
      'CPUs of nodes taking new servers minus the vCPUs placed on the backend',
      (b) => b.cfree,
    );
    perBackend('nefos_backend_memory_bytes', 'Memory of the online nodes of the backend', (b) =>
      mibToBytes(b.mtotal),
    );
    perBackend(
      'nefos_backend_memory_free_bytes',
      'Free memory of the nodes taking new servers',
      (b) => mibToBytes(b.mfree),
    );
    perBackend('nefos_backend_disk_bytes', 'Disk of the online nodes of the backend', (b) =>
      mibToBytes(b.dtotal),
    );
    perBackend('nefos_backend_disk_free_bytes', 'Free disk of the nodes taking new servers', (b) =>
      mibToBytes(b.dfree),
    );
    perBackend(
      'nefos_backend_instances',
      'Instances the backend reports on its nodes',
      (b) => b.pinstCnt,
    );

    const perNode = (
      name: string,
      help: string,
      value: (n: BackendWithNodes['nodes'][number]) => number,
    ): void =>
      gauge(name, help, ['backend', 'node'], (g, s) => {
        for (const b of s.backends)
          for (const n of b.nodes) g.set({ backend: b.name, node: n.name }, value(n));
      });
    perNode('nefos_node_cpus', 'CPUs of the node', (n) => n.ctotal);
    perNode('nefos_node_memory_bytes', 'Memory of the node', (n) => mibToBytes(n.mtotal));
    perNode('nefos_node_memory_free_bytes', 'Free memory of the node', (n) => mibToBytes(n.mfree));
    perNode('nefos_node_disk_bytes', 'Disk of the node', (n) => mibToBytes(n.dtotal));
    perNode('nefos_node_disk_free_bytes', 'Free disk of the node', (n) => mibToBytes(n.dfree));
    perNode('nefos_node_instances', 'Primary instances on the node', (n) => n.pinstCnt);
    perNode(
      'nefos_node_drained',
      '1 when the node takes no new instances (drained)',
      (n) => +n.drained,
    );
    perNode('nefos_node_offline', '1 when the node is offline', (n) => +n.offline);
    perNode(
      'nefos_node_capacity_updated_timestamp_seconds',
      'When the node was last read through RAPI (unix time)',
      (n) => n.updatedAt.getTime() / 1000,
    );
  }

  private async read(): Promise<Snapshot> {
    // A slow or unreachable backend must not fail the scrape: its figures stay as last read.
    await this.capacity.refreshStale();
    const stuckBefore = new Date(Date.now() - this.config.compute.stuckAfterSeconds * 1000);
    const [backends, servers, stuck, tasks] = await Promise.all([
      this.fleet.backends(),
      this.fleet.serverCounts(),
      this.fleet.stuckCounts(stuckBefore),
      this.fleet.taskCounts(),
    ]);
    return { backends, servers, stuck, tasks };
  }
}
