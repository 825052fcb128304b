import { mkdirSync } from 'node:fs';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { NEFOS_CONFIG, NEFOS_LOGGER, type Logger, type NefosConfig } from '@nefos/contracts';
import type { ClusterConfigStore } from './cluster/cluster-config.store';
import { Allocator } from './exec/allocator';
import { JobExecutor } from './exec/job.executor';
import { LockManager } from './exec/lock.manager';
import { defineDomain } from './exec/opcodes/instance-runtime';
import type { MasterServices } from './exec/opcodes/op.types';
import { HooksRunner } from './hooks/hooks.runner';
import { chooseHypervisor, ganetiHypervisor, loadOrInitCluster } from './master.bootstrap';
import { MasterMetrics } from './metrics/master.metrics';
import { NodeRegistry, testNodeFile } from './nodes/node.registry';
import { NodeWatcher } from './nodes/node.watcher';
import { JobQueue } from './queue/job-queue.service';
import { JobQueueStore } from './queue/job-queue.store';
import { jobStatus } from './queue/job-status';
import type { QueuedJob } from './queue/job.types';
import { ensureRapiCert } from './rapi/rapi-cert';
import { RapiContext } from './rapi/rapi.context';
import { RapiServer } from './rapi/rapi.server';
import { RapiUsers } from './rapi/rapi-users';
import { clusterRoutes } from './rapi/routes.cluster';
import { instanceRoutes } from './rapi/routes.instances';
import { recoverJobs } from './queue/job-recovery';
import { DiskStore } from './storage/disk.store';
import { ImageStore } from './storage/image.store';
import { detectVirtType } from './virt/virt-type';
import { LibvirtFactory } from './virt/libvirt.driver';
import { ensureRapiPassword } from './rapi/rapi-password';

const STOP_GRACE_MS = 10000;

/** The cluster master process: config, queue, executor, RAPI, metrics and watcher. */
@Injectable()
export class MasterDaemon implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private rapi: RapiServer | null = null;
  private metrics: MasterMetrics | null = null;
  private watcher: NodeWatcher | null = null;
  private executor: JobExecutor | null = null;
  private rapiContext: RapiContext | null = null;
  private archiveTimer: NodeJS.Timeout | null = null;
  private nodes: NodeRegistry | null = null;
  private users: RapiUsers | null = null;
  private readonly onHup = (): void => {
    const n = this.users?.load();
    this.logger.info({ users: n }, 'SIGHUP: reloaded the RAPI users file');
  };

  constructor(
    @Inject(NEFOS_CONFIG) private readonly settings: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const s = this.settings;
    for (const d of [
      s.master.queueDir,
      s.master.hooksDir,
      s.master.imageDir,
      s.master.storageDir,
    ]) {
      mkdirSync(d, { recursive: true });
    }
    const kind = chooseHypervisor(s);
    const virtType = s.master.virtType ?? detectVirtType();
    const config = loadOrInitCluster(s, kind, this.logger);

    this.users = new RapiUsers(s.rapi.usersFile);
    const password = ensureRapiPassword(s);
    if (this.users.ensure(s.rapi.user, password.value)) {
      this.logger.info({ file: s.rapi.usersFile, user: s.rapi.user }, 'wrote the RAPI users file');
    }
    if (password.generated)
      process.stdout.write(
        `RAPI user ${s.rapi.user} password ${password.value} (stored in ${password.file})\n`,
      );
    this.users.load();
    process.on('SIGHUP', this.onHup);
    const tls = await ensureRapiCert(s.rapi.certFile);

    const nodes = (this.nodes = new NodeRegistry(new LibvirtFactory(), this.logger));
    const disks = new DiskStore(s.master.storageDir, kind === 'qemu');
    const images = new ImageStore(s.master.imageDir, this.logger);
    const locks = new LockManager();
    const store = new JobQueueStore(s.master.queueDir);
    const queue = new JobQueue(store);
    const services: MasterServices = {
      settings: s,
      hypervisor: kind,
      virtType,
      config,
      nodes,
      hooks: new HooksRunner(s.master.hooksDir, s.master.hooksTimeoutSeconds, this.logger),
      images,
      disks,
      allocator: new Allocator(nodes, disks),
      locks,
      logger: this.logger,
      submit: (inputs) => queue.submit(inputs),
    };
    const metrics = (this.metrics = new MasterMetrics(() =>
      this.refreshGauges(config, queue, services),
    ));
    metrics.workerPool.set(s.master.workers);

    await Promise.all(
      Object.values(config.get().nodes)
        .filter((n) => !n.offline)
        .map((n) => nodes.refresh(n)),
    );
    await this.restoreDomains(services);
    const jobs = queue.load();
    queue.on('finished', (job: QueuedJob) => {
      const opcode = job.ops[0].input.OP_ID;
      metrics.jobs.inc({ opcode, status: jobStatus(job) });
      const [a, b] = [job.start_timestamp ?? job.received_timestamp, job.end_timestamp];
      if (b) metrics.jobDuration.observe({ opcode }, b[0] - a[0] + (b[1] - a[1]) / 1e6);
    });
    this.executor = new JobExecutor(queue, services, s.master.workers, this.logger, {
      workers: (busy) => metrics.runningWorkers.set(busy),
    });
    const resume = await recoverJobs(jobs, queue, services, this.logger);
    for (const id of resume) this.executor.enqueue(id);

    void images.ensureSeed(kind);
    this.rapiContext = new RapiContext(
      config,
      queue,
      nodes,
      services.allocator,
      ganetiHypervisor(kind),
    );
    this.rapi = new RapiServer(
      [...clusterRoutes(this.rapiContext), ...instanceRoutes(this.rapiContext)],
      this.users,
      this.logger,
      (method, code) => metrics.rapiRequests.inc({ method, code: String(code) }),
    );
    await this.rapi.listen(s.rapi.port, s.rapi.listenHost, tls);
    await metrics.listen(
      s.master.metricsPort,
      s.listenHost === '0.0.0.0' ? '0.0.0.0' : s.listenHost,
      s.ops.metricsToken,
    );
    this.watcher = new NodeWatcher(
      config,
      nodes,
      locks,
      services.submit,
      this.logger,
      s.master.watchIntervalSeconds,
    );
    this.watcher.start();
    if (s.master.jobArchiveAgeSeconds > 0) {
      this.archiveTimer = setInterval(
        () => queue.archiveOlderThan(s.master.jobArchiveAgeSeconds),
        60000,
      );
      this.archiveTimer.unref();
    }
    this.logger.info(
      {
        rapi: `https://${s.rapi.listenHost}:${s.rapi.port}`,
        metrics: s.master.metricsPort,
        hypervisor: kind,
        virtType,
        nodes: Object.keys(config.get().nodes),
      },
      'cluster master ready',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    process.off('SIGHUP', this.onHup);
    if (this.rapiContext) this.rapiContext.draining = true;
    this.watcher?.stop();
    if (this.archiveTimer) clearInterval(this.archiveTimer);
    // Running jobs get a grace period; what is still queued or waiting stays in the queue and
    // runs after the next start.
    await this.executor?.stop(STOP_GRACE_MS);
    await this.rapi?.close();
    await this.metrics?.close();
    await this.nodes?.closeAll();
    this.logger.info('cluster master stopped');
  }

  /**
   * libvirt's test driver forgets its domains with the process, and a QEMU host may have lost a
   * definition: define every instance again, and start the ones whose admin state is up on a
   * simulated node (a real guest that is down shows as ERROR_down instead).
   */
  private async restoreDomains(s: MasterServices): Promise<void> {
    const c = s.config.get();
    for (const inst of Object.values(c.instances)) {
      const node = c.nodes[inst.pnode];
      if (!node || node.offline || !s.nodes.last(node.name)?.reachable) continue;
      const known = s.nodes.last(node.name)?.domains.has(inst.name);
      if (known) continue;
      try {
        const conn = await defineDomain(s, c, inst);
        if (testNodeFile(node.uri) && inst.admin_state === 'up') await conn.start(inst.name);
        s.nodes.noteDomain(node.name, inst.name, await conn.status(inst.name));
        this.logger.info(
          { instance: inst.name, node: node.name },
          'restored the domain definition',
        );
      } catch (err) {
        this.logger.error(
          { instance: inst.name, err: (err as Error).message },
          'could not restore the domain',
        );
      }
    }
  }

  private refreshGauges(config: ClusterConfigStore, queue: JobQueue, s: MasterServices): void {
    const m = this.metrics!;
    const counts = queue.counts();
    for (const st of ['queued', 'waiting', 'running', 'canceling'] as const)
      m.queueLength.set({ status: st }, counts[st]);
    m.instances.reset();
    for (const st of this.watcher?.snapshot().values() ?? []) m.instances.inc({ status: st });
    const c = config.get();
    for (const node of Object.values(c.nodes)) {
      const cap = s.allocator.capacity(c, node);
      const up = !node.offline && Boolean(s.nodes.last(node.name)?.reachable);
      m.nodeUp.set({ node: node.name }, up ? 1 : 0);
      if (cap.mtotal !== null) m.nodeMemoryTotal.set({ node: node.name }, cap.mtotal * 1048576);
      if (cap.mfree !== null) m.nodeMemoryFree.set({ node: node.name }, cap.mfree * 1048576);
      if (cap.ctotal !== null) m.nodeCpus.set({ node: node.name }, cap.ctotal);
      if (cap.dtotal !== null) m.nodeDiskTotal.set({ node: node.name }, cap.dtotal * 1048576);
      if (cap.dfree !== null) m.nodeDiskFree.set({ node: node.name }, cap.dfree * 1048576);
    }
  }
}
