export type HypervisorKind = 'qemu' | 'test';
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface QuotaDefaults {
  instances: number;
  cores: number;
  ram: number;
  disk: number;
  key_pairs: number;
  metadata_items: number;
  networks: number;
  floating_ips: number;
}

/** Every setting of every Nefos process, validated once at boot. */
export interface NefosConfig {
  dataDir: string;
  listenHost: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  logFormat: LogFormat;
  database: {
    url: string | undefined;
    privatePort: number;
    /** Postgres connections each process may hold (its pool's size). */
    poolMax: number;
  };
  redis: { url: string | undefined; privatePort: number; prefix: string };
  /** How long to wait for a configured Postgres/Redis before giving up. */
  serviceWaitMs: number;
  api: {
    port: number;
    publicUrl: string;
    region: string;
    /** API processes `npm start` runs behind its round-robin balancer on `port` (1: no balancer). */
    replicas: number;
    /** Express `trust proxy`: which peers' X-Forwarded-For is believed (the client address). */
    trustProxy: string[];
  };
  rapi: {
    port: number;
    user: string;
    password: string | undefined;
    timeoutMs: number;
    retries: number;
    /** Address the master's RAPI listens on. */
    listenHost: string;
    /** Ganeti-style users file (`user {HA1}hash write`), re-read on SIGHUP. */
    usersFile: string;
    /** PEM file holding the RAPI server's key and certificate (self-signed on first start). */
    certFile: string;
  };
  console: {
    port: number;
    publicUrl: string;
    tokenTtlSeconds: number;
    maxPerUser: number;
    maxPerServer: number;
    maxTotal: number;
    idleTimeoutSeconds: number;
    /** How often the proxy re-reads the servers behind open consoles (deleted/stopped closes them). */
    watchIntervalMs: number;
    /** Browser origins allowed besides the proxy's own (its public URL and the request's Host). */
    allowedOrigins: string[];
    tlsCert: string | undefined;
    tlsKey: string | undefined;
  };
  master: {
    clusterName: string;
    hypervisor: HypervisorKind | undefined;
    virtType: 'kvm' | 'qemu' | undefined;
    workers: number;
    /** Explicit node list `name=uri,...`; empty means one local node. */
    nodes: Array<{ name: string; uri: string }>;
    queueDir: string;
    hooksDir: string;
    imageDir: string;
    storageDir: string;
    watchIntervalSeconds: number;
    metricsPort: number;
    /** The cluster configuration (nodes, instances, networks, tags), replaced atomically. */
    configFile: string;
    /** Longest a hook may run before it is killed and counted as failed. */
    hooksTimeoutSeconds: number;
    /** Finished jobs older than this move to the queue's archive (0: never). */
    jobArchiveAgeSeconds: number;
    /** Default ACPI shutdown timeout before a guest is destroyed (Ganeti's 120 s). */
    shutdownTimeoutSeconds: number;
  };
  eventd: {
    metricsPort: number;
    /** Where eventd keeps its high-water mark (the last moment up to which it published everything). */
    stateDir: string;
    /** Full re-read of the queue dir every N seconds besides inotify (0: inotify only). */
    rescanIntervalSeconds: number;
    /** RAPI of the master eventd runs beside, for reading instances back after a job. */
    rapiUrl: string;
    /**
     * The backend name eventd puts in every message (`cluster`): the name the cluster is
     * registered under in Nefos (`nefos-manage backend-add`). Defaults to NEFOS_CLUSTER_NAME.
     */
    cluster: string;
  };
  dispatcher: {
    metricsPort: number;
    /** Dispatcher processes `npm start` runs on the same queues. */
    replicas: number;
    concurrency: number;
    reconcileIntervalSeconds: number;
    heartbeatIntervalSeconds: number;
    /** How long a heartbeat may take end to end before a hop is reported as failed. */
    heartbeatBudgetSeconds: number;
    /**
     * How many times the request behind a pending task is submitted again when its job was cut
     * short by a master crash (unclean shutdown); 0: never.
     */
    resubmitAttempts: number;
  };
  identity: {
    tokenTtlSeconds: number;
    adminPassword: string | undefined;
    loginFailuresPerUser: number;
    loginFailuresPerAddress: number;
    loginWindowSeconds: number;
  };
  compute: {
    instancePrefix: string;
    publicNetworkCidr: string;
    publicNetworkGateway: string | undefined;
    stuckAfterSeconds: number;
    /**
     * The OS definition (`name+variant`) every create asks the backend for; it takes the image
     * through snf-image's parameters (img_id, img_format, img_passwd, img_properties). A real
     * Ganeti backend must have it installed; the embedded master knows nefos-image and snf-image.
     */
    instanceOs: string;
    /** Backend capacity older than this is re-read through RAPI before the allocator places a server. */
    allocatorCapacityMaxAgeSeconds: number;
  };
  quotas: QuotaDefaults;
  /** Operations: `/metrics` on every process and the admin dashboard. */
  ops: {
    /** Bearer token every `/metrics` scrape must carry; unset leaves `/metrics` open. */
    metricsToken: string | undefined;
    /** Backend and node capacity older than this is re-read through RAPI (scrapes, dashboard). */
    capacityMaxAgeSeconds: number;
    /** How often the dashboard's live stream pushes an update. */
    adminRefreshSeconds: number;
  };
}
