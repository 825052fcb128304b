import type { Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerProcessMetrics, startMetricsServer } from '@nefos/contracts/metrics';

/** The master's Prometheus metrics (`nefos_master_*`, base units), served on plain HTTP. */
export class MasterMetrics {
  readonly registry = new Registry();
  readonly jobs = new Counter({
    name: 'nefos_master_jobs_total',
    help: 'Jobs that reached a final status, by first opcode and status',
    labelNames: ['opcode', 'status'],
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'nefos_master_job_duration_seconds',
    help: 'Time from a job starting to its end, by first opcode',
    labelNames: ['opcode'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly queueLength = new Gauge({
    name: 'nefos_master_job_queue_length',
    help: 'Jobs not finished yet, by status (queued, waiting, running, canceling)',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly runningWorkers = new Gauge({
    name: 'nefos_master_running_workers',
    help: 'Workers executing a job right now',
    registers: [this.registry],
  });
  readonly workerPool = new Gauge({
    name: 'nefos_master_workers',
    help: 'Size of the worker pool',
    registers: [this.registry],
  });
  readonly instances = new Gauge({
    name: 'nefos_master_instances',
    help: 'Instances by Ganeti status (running, ADMIN_down, ERROR_down, ...)',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly nodeMemoryTotal = new Gauge({
    name: 'nefos_master_node_memory_total_bytes',
    help: 'Memory of the node as libvirt reports it',
    labelNames: ['node'],
    registers: [this.registry],
  });
  readonly nodeMemoryFree = new Gauge({
    name: 'nefos_master_node_memory_free_bytes',
    help: 'Memory of the node not reserved by its instances',
    labelNames: ['node'],
    registers: [this.registry],
  });
  readonly nodeCpus = new Gauge({
    name: 'nefos_master_node_cpus',
    help: 'CPUs of the node as libvirt reports them',
    labelNames: ['node'],
    registers: [this.registry],
  });
  readonly nodeDiskTotal = new Gauge({
    name: 'nefos_master_node_disk_total_bytes',
    help: 'Size of the node storage dir filesystem',
    labelNames: ['node'],
    registers: [this.registry],
  });
  readonly nodeDiskFree = new Gauge({
    name: 'nefos_master_node_disk_free_bytes',
    help: 'Disk space of the node not promised to instances',
    labelNames: ['node'],
    registers: [this.registry],
  });
  readonly nodeUp = new Gauge({
    name: 'nefos_master_node_up',
    help: '1 when the node answered at the last check, 0 when down or offline',
    labelNames: ['node'],
    registers: [this.registry],
  });
  readonly rapiRequests = new Counter({
    name: 'nefos_master_rapi_requests_total',
    help: 'RAPI requests by method and HTTP status',
    labelNames: ['method', 'code'],
    registers: [this.registry],
  });
  private server: Server | null = null;

  constructor(private readonly beforeScrape: () => void) {
    // promtool-clean process metrics (prom-client names some gauges `_total`).
    registerProcessMetrics(this.registry, 'master');
  }

  async listen(port: number, host: string, bearerToken?: string): Promise<void> {
    this.server = await startMetricsServer(this.registry, host, port, {
      bearerToken,
      beforeScrape: this.beforeScrape,
    });
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
