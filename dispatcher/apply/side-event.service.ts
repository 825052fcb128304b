import { Inject, Injectable } from '@nestjs/common';
import {
  HEARTBEAT_KIND,
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  OpCode,
  heartbeatArrivedKey,
  serverIdFromInstanceName,
  timestampToMicros,
  type ClusterEvent,
  type HeartbeatArrival,
  type Logger,
  type NefosConfig,
  type NetworkEvent,
  type ProgressEvent,
} from '@nefos/contracts';
import {
  NetworkEventRepository,
  ServerEventRepository,
  ServerResourcesRepository,
  SystemStateRepository,
} from '@nefos/database';
import { BackendNames } from './backend-names';
import type { ApplyOutcome } from './server-event.service';
import { ResourceSync } from './resource-sync';

const NETWORK_SUCCESS_STATE: Record<string, string> = {
  [OpCode.NetworkAdd]: 'ACTIVE',
  [OpCode.NetworkConnect]: 'ACTIVE',
  [OpCode.NetworkRemove]: 'DELETED',
};

/** `events.network`, `events.progress` and `events.cluster`: everything that is not an op on a VM. */
@Injectable()
export class SideEventService {
  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    private readonly servers: ServerEventRepository,
    private readonly resources: ServerResourcesRepository,
    private readonly networks: NetworkEventRepository,
    private readonly state: SystemStateRepository,
    private readonly sync: ResourceSync,
    private readonly backends: BackendNames,
  ) {}

  /** Build progress only rises, and only while the server builds. */
  async applyProgress(msg: ProgressEvent): Promise<ApplyOutcome> {
    if (serverIdFromInstanceName(this.config.compute.instancePrefix, msg.instance) === null) {
      return 'foreign-name';
    }
    const raised = await this.servers.raiseBuildProgress(
      msg.instance,
      Math.round(msg.progress),
      msg.cluster,
    );
    if (raised) return 'applied';
    // Not raised: stale, or a server of another backend (a message from a foreign cluster).
    const server = await this.servers.findByInstanceName(msg.instance);
    if (
      server &&
      !server.deleted &&
      !(await this.backends.matches(server.backendId, msg.cluster))
    ) {
      this.backends.reportForeign(msg.cluster, msg.instance, server.backendId, 'progress');
      return 'foreign-cluster';
    }
    return 'stale';
  }

  async applyNetwork(msg: NetworkEvent): Promise<ApplyOutcome> {
    if (msg.instance) return this.applyInstanceNics(msg, msg.instance);
    if (!msg.network) return 'stale';
    return this.servers.transaction(async (tx) => {
      const row = await this.networks.lock(tx, msg.cluster, msg.network!);
      if (!row) return 'unknown-server';
      const t = timestampToMicros(msg.eventTime);
      if (row.backendTime !== null && t <= row.backendTime) return 'stale';
      const next =
        msg.status === 'success'
          ? NETWORK_SUCCESS_STATE[msg.operation]
          : msg.status === 'error' && msg.operation === OpCode.NetworkAdd
            ? 'ERROR'
            : undefined;
      await this.networks.update(tx, row, {
        backendJobId: msg.jobId,
        backendJobStatus: msg.status,
        backendLogMsg: msg.logmsg || null,
        backendTime: t,
        ...(next ? { operstate: next } : {}),
      });
      return next ? 'applied' : 'recorded';
    });
  }

  /**
   * NIC and firewall details a post hook reported. NICs are copied only when no newer op was
   * applied (the op's own read-back is then the fresher truth); firewall profiles always.
   */
  private async applyInstanceNics(msg: NetworkEvent, instance: string): Promise<ApplyOutcome> {
    if (serverIdFromInstanceName(this.config.compute.instancePrefix, instance) === null) {
      return 'foreign-name';
    }
    return this.servers.transaction(async (tx) => {
      const server = await this.servers.lockByInstanceName(tx, instance);
      if (!server) return 'unknown-server';
      if (server.deleted) return 'deleted';
      if (!(await this.backends.matches(server.backendId, msg.cluster))) {
        this.backends.reportForeign(msg.cluster, instance, server.backendId, 'network');
        return 'foreign-cluster';
      }
      const t = timestampToMicros(msg.eventTime);
      const notes: string[] = [];
      if (msg.nics && (server.backendTime === null || t > server.backendTime)) {
        notes.push(...(await this.sync.syncNics(tx, server, msg.nics)));
      }
      if (msg.firewall?.length) {
        const ports = await this.resources.ports(tx, server.id);
        for (const fw of msg.firewall) {
          const port = ports.find((p) => p.nicIndex === fw.nic);
          if (port && port.firewallProfile !== fw.profile) {
            await this.resources.updatePort(tx, port.id, { firewallProfile: fw.profile });
            notes.push(`nic ${fw.nic}: firewall ${fw.profile}`);
          }
        }
      }
      await this.servers.trail(tx, {
        serverId: server.id,
        source: 'event',
        requestId: msg.requestId ?? null,
        jobId: msg.jobId || null,
        opcode: msg.operation,
        status: msg.status,
        message: `hook ${msg.operation} ${msg.status}: ${notes.length ? notes.join('; ') : 'no change'}`,
        data: { eventTime: msg.eventTime, kind: 'network' },
      });
      return notes.length ? 'applied' : 'recorded';
    });
  }

  async applyCluster(msg: ClusterEvent): Promise<ApplyOutcome> {
    if (msg.kind !== HEARTBEAT_KIND) {
      await this.state.set(`cluster:last-event:${msg.cluster}`, {
        kind: msg.kind,
        jobId: msg.jobId,
        operation: msg.operation,
        status: msg.status,
        eventTime: msg.eventTime,
        jobFields: msg.jobFields,
      });
      return 'recorded';
    }
    const key = heartbeatArrivedKey(msg.cluster);
    return this.servers.transaction(async (tx): Promise<ApplyOutcome> => {
      const previous = (await this.state.lock(key, tx)) as HeartbeatArrival | null;
      const arrival: HeartbeatArrival = {
        id: msg.heartbeatId ?? '',
        jobId: msg.jobId,
        status: msg.status,
        eventTime: msg.eventTime,
        arrivedAt: new Date().toISOString(),
      };
      // Probes overlap (the periodic one, status-check, /healthz): each looks for its own id.
      const recent = [
        { id: arrival.id, arrivedAt: arrival.arrivedAt, status: arrival.status },
        ...(previous?.recent ?? []).filter((r) => r.id !== arrival.id),
      ].slice(0, 20);
      const newer =
        !previous?.eventTime ||
        timestampToMicros(msg.eventTime) >= timestampToMicros(previous.eventTime);
      await this.state.set(key, newer ? { ...arrival, recent } : { ...previous, recent }, tx);
      if (newer) {
        await this.state.recordHeartbeat(msg.cluster, msg.status !== 'error', new Date(), tx);
      }
      this.log.debug({ cluster: msg.cluster, id: arrival.id, status: msg.status }, 'heartbeat');
      return 'applied';
    });
  }
}
