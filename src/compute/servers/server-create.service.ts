import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  generateSecret,
  hashPassword,
  instanceName,
  NEFOS_CONFIG,
  OpCode,
  submitOnce,
  OperState,
  RapiError,
  ServerTask,
  type NefosConfig,
  type RapiInstanceCreate,
} from '@nefos/contracts';
import {
  KeyPairRepository,
  PrismaService,
  QuotaExceededError,
  QuotaStore,
  ServerRepository,
  UNLIMITED,
  type Flavor,
  type ImageWithProperties,
  type QuotaDeltas,
} from '@nefos/database';
import { demandOf } from '../../backends/allocation-policy';
import { BackendAllocator } from '../../backends/backend.allocator';
import { badRequest, forbidden } from '../../common/errors/domain.error';
import { currentRequestId } from '../../common/request/request-id.middleware';
import type { AuthContext } from '../../identity/auth/auth-context';
import { ImageRegistry, imageProperties } from '../../images/image.registry';
import { PortAllocator, type AllocatedPort } from '../../networks/port-allocator';
import { DEFAULT_ZONE } from '../availability-zones/availability-zones.controller';
import { FlavorService } from '../flavors/flavor.service';
import { backendReason } from './rapi-failure';
import type { ServerCreateBody } from './server.schemas';
import { ServerTaskRunner } from './server-task.runner';

const GIB = 1024 ** 3;

interface Plan {
  flavor: Flavor;
  image: ImageWithProperties;
  keyName: string | null;
  keyData: string | null;
  adminPass: string;
  networks: Array<{ networkId: string; fixedIp?: string }>;
  count: number;
}

export interface CreatedServer {
  id: string;
  adminPass: string;
  diskConfig: string;
}

/**
 * `POST /servers`: validate, hold quota, insert the rows (BUILD, task spawning) with a port and an
 * address, commit; then, with the row locked, submit `POST /2/instances` and store the job id.
 * A backend failure turns the server into ERROR with a fault the user can act on.
 */
@Injectable()
export class ServerCreateService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly servers: ServerRepository,
    private readonly keypairs: KeyPairRepository,
    private readonly quotas: QuotaStore,
    private readonly flavors: FlavorService,
    private readonly images: ImageRegistry,
    private readonly ports: PortAllocator,
    private readonly allocator: BackendAllocator,
    private readonly runner: ServerTaskRunner,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  async create(
    auth: AuthContext,
    body: ServerCreateBody,
    hinted: boolean,
  ): Promise<CreatedServer[]> {
    const plan = await this.plan(auth, body, hinted);
    const projectId = auth.projectId!;
    const deltas: QuotaDeltas = {
      instances: 1,
      cores: plan.flavor.vcpus,
      ram: plan.flavor.ramMb,
      disk: plan.flavor.diskGb,
    };
    const count = await this.fitCount(projectId, deltas, body.min_count ?? 1, plan.count);
    const requestId = currentRequestId() ?? null;
    const passHash = await hashPassword(plan.adminPass);
    const rows = await this.prisma.$transaction(
      async (tx) => {
        const made: Array<{ id: string; commissionId: string; nics: AllocatedPort[] }> = [];
        for (let i = 1; i <= count; i++) {
          const id = randomUUID();
          const { commissionId } = await this.quotas.reserve(tx, projectId, deltas, {
            action: 'create',
            serverId: id,
          });
          await this.servers.create(tx, {
            id,
            name: count > 1 ? `${body.name}-${i}` : body.name,
            projectId,
            userId: auth.userId,
            flavorId: plan.flavor.id,
            imageId: plan.image.id,
            backendId: null, // the allocator places each server before its job is submitted
            instanceName: instanceName(this.config.compute.instancePrefix, id),
            operstate: OperState.Build,
            task: ServerTask.Spawning,
            keyName: plan.keyName,
            keyData: plan.keyData,
            accessIpv4: body.accessIPv4 ?? null,
            accessIpv6: body.accessIPv6 ?? null,
            adminPassHash: passHash,
            userData: body.user_data ?? null,
            availabilityZone: DEFAULT_ZONE,
            diskConfig: body['OS-DCF:diskConfig'] ?? 'MANUAL',
            configDrive: false,
          });
          if (body.metadata) await this.servers.setMetadata(tx, id, body.metadata, true);
          const nics: AllocatedPort[] = [];
          for (const [index, net] of plan.networks.entries()) {
            nics.push(
              await this.ports.allocate(tx, {
                networkId: net.networkId,
                fixedIp: net.fixedIp,
                serverId: id,
                projectId,
                nicIndex: index,
              }),
            );
          }
          await this.servers.trail(tx, {
            serverId: id,
            source: 'api',
            requestId,
            message: `create requested by user ${auth.userId}: flavor ${plan.flavor.name}, image ${plan.image.name}`,
          });
          made.push({ id, commissionId, nics });
        }
        return made;
      },
      { timeout: 30000, maxWait: 20000 },
    );
    for (const row of rows) {
      await this.submit(row.id, projectId, row.commissionId, row.nics, plan, requestId);
    }
    return rows.map((r) => ({
      id: r.id,
      adminPass: plan.adminPass,
      diskConfig: body['OS-DCF:diskConfig'] ?? 'MANUAL',
    }));
  }

  /** Everything that can be refused before anything is written. */
  private async plan(auth: AuthContext, body: ServerCreateBody, hinted: boolean): Promise<Plan> {
    if (hinted) throw badRequest('Scheduler hints are not supported by this cloud.');
    if (body.block_device_mapping_v2 || body.block_device_mapping) {
      throw badRequest(
        'Booting from volume (block_device_mapping) is not supported yet; give an imageRef.',
      );
    }
    if (
      body.config_drive === true ||
      body.config_drive === 'true' ||
      body.config_drive === 'True'
    ) {
      throw badRequest('Config drives are not supported by this cloud; pass user_data instead.');
    }
    for (const g of body.security_groups ?? []) {
      if (g.name !== 'default')
        throw badRequest(`Unable to find security_group with name or id '${g.name}'`);
    }
    const flavor = await this.flavors.forBoot(auth, body.flavorRef);
    if (!body.imageRef)
      throw badRequest(
        'Invalid input for field/attribute server.imageRef: an image is required (booting from volume is not supported yet)',
      );
    const image = await this.images.forBoot(auth, body.imageRef);
    if (image.minDiskGb > flavor.diskGb) {
      throw badRequest(
        `Flavor's disk is too small for requested image. Flavor disk is ${flavor.diskGb * GIB} bytes, minimum requested disk is ${image.minDiskGb * GIB} bytes.`,
      );
    }
    if (image.sizeBytes !== null && Number(image.sizeBytes) > flavor.diskGb * GIB) {
      throw badRequest(
        `Flavor's disk is too small for requested image. Flavor disk is ${flavor.diskGb * GIB} bytes, image is ${Number(image.sizeBytes)} bytes.`,
      );
    }
    if (image.minRamMb > flavor.ramMb)
      throw badRequest("Flavor's memory is too small for requested image.");
    let keyName: string | null = null;
    let keyData: string | null = null;
    if (body.key_name !== undefined) {
      const key = await this.keypairs.find(auth.userId, body.key_name);
      if (!key) throw badRequest('Invalid key_name provided.');
      keyName = key.name;
      keyData = key.publicKey;
    }
    const az = body.availability_zone;
    if (az !== undefined && az !== '' && az !== DEFAULT_ZONE) {
      throw badRequest(`The requested availability zone is not available: ${az}`);
    }
    const limits = await this.quotas.limits(auth.projectId!);
    const metaCount = Object.keys(body.metadata ?? {}).length;
    if (limits.metadata_items !== UNLIMITED && metaCount > limits.metadata_items) {
      throw forbidden(
        `Quota exceeded for metadata_items: Maximum number of metadata items exceeds ${limits.metadata_items}`,
      );
    }
    const networks = await this.networks(body);
    const min = body.min_count ?? 1;
    const max = body.max_count ?? min;
    if (min > max) throw badRequest('min_count must be <= max_count');
    return {
      flavor,
      image,
      keyName,
      keyData,
      adminPass: body.adminPass ?? generateSecret(12),
      networks,
      count: max,
    };
  }

  /** Until the network service exists, servers attach to the default public network only. */
  private async networks(body: ServerCreateBody): Promise<Plan['networks']> {
    const def = await this.ports.defaultNetwork();
    if (!def) throw badRequest('No default network is configured; an operator must create one.');
    if (!body.networks || body.networks.length === 0) return [{ networkId: def.id }];
    return body.networks.map((n) => {
      if (n.port) throw badRequest(`Port ${n.port} could not be found.`);
      if (!n.uuid)
        throw badRequest(
          'Invalid input for field/attribute server.networks: each network needs a uuid',
        );
      if (n.uuid.toLowerCase() !== def.id)
        throw badRequest(`Network ${n.uuid} could not be found.`);
      return { networkId: def.id, fixedIp: n.fixed_ip };
    });
  }

  /** As many of `max` servers as the quota allows, but at least `min` (else the quota error). */
  private async fitCount(
    projectId: string,
    deltas: QuotaDeltas,
    min: number,
    max: number,
  ): Promise<number> {
    if (max === min) return max;
    const usage = await this.quotas.usage(projectId);
    let fits = max;
    for (const [r, n] of Object.entries(deltas) as Array<[keyof typeof usage, number]>) {
      const u = usage[r];
      if (u.limit === UNLIMITED || n <= 0) continue;
      fits = Math.min(fits, Math.floor((u.limit - u.inUse - u.reserved) / n));
    }
    if (fits < min) {
      const r = Object.keys(deltas).find((k) => {
        const u = usage[k as keyof typeof usage];
        return (
          u.limit !== UNLIMITED &&
          u.inUse + u.reserved + min * (deltas[k as keyof QuotaDeltas] ?? 0) > u.limit
        );
      }) as keyof typeof usage;
      const u = usage[r];
      throw new QuotaExceededError(r, u.limit, u.inUse, u.reserved, min * (deltas[r] ?? 0));
    }
    return fits;
  }

  private async submit(
    serverId: string,
    projectId: string,
    commissionId: string,
    nics: AllocatedPort[],
    plan: Plan,
    requestId: string | null,
  ): Promise<void> {
    const demand = demandOf(plan.flavor);
    const placement = await this.allocator.place(projectId, serverId, demand);
    if (!placement.placed && placement.serverGone) return; // deleted in between: nothing to build
    const backend = placement.placed ? placement.backend : null;
    await this.prisma.$transaction(async (tx) => {
      const s = await this.servers.lock(tx, serverId);
      if (!s || s.deleted) {
        // Deleted in between: nothing to build, and the room it held goes back.
        if (backend) await this.allocator.giveBack(tx, backend.id, demand);
        return;
      }
      const fail = async (code: number, message: string, details: string | null): Promise<void> => {
        // The create never reached the backend: the room it held there goes back at once.
        if (backend) await this.allocator.giveBack(tx, backend.id, demand);
        await this.servers.update(tx, serverId, {
          operstate: OperState.Error,
          task: null,
          faultCode: code,
          faultMessage: message,
          faultDetails: details,
          faultAt: new Date(),
        });
        // Nothing was built: release the held quota, as the dispatcher does when a create job
        // fails (the commission is only accepted once the backend confirms the instance).
        await this.quotas.reject(tx, commissionId);
        await this.servers.trail(tx, {
          serverId,
          source: 'api',
          requestId,
          message: `create failed: ${message}`,
        });
      };
      if (!placement.placed || !backend) {
        await fail(500, placement.placed ? 'No valid host was found.' : placement.reason, null);
        return;
      }
      await this.servers.trail(tx, {
        serverId,
        source: 'api',
        requestId,
        message: `placed on backend ${backend.name}${placement.score === null ? ' (its capacity was never read)' : ` (load score ${placement.score.toFixed(3)})`}`,
      });
      const image = plan.image;
      const props = imageProperties(image);
      const osparams: Record<string, unknown> = {
        img_id: image.location,
        img_format: image.diskFormat,
        img_passwd: plan.adminPass,
      };
      const imgProperties = { ...(image.osFamily ? { OSFAMILY: image.osFamily } : {}), ...props };
      if (Object.keys(imgProperties).length > 0)
        osparams.img_properties = JSON.stringify(imgProperties);
      const body: RapiInstanceCreate = {
        name: s.instanceName,
        os: this.config.compute.instanceOs,
        disk_template: 'file',
        disks: [{ size: plan.flavor.diskGb * 1024 }],
        nics: nics.map((n) => ({
          mac: n.mac,
          ip: n.ip,
          name: n.portId,
          mode: n.mode,
          ...(n.link ? { link: n.link } : {}),
        })),
        beparams: {
          vcpus: plan.flavor.vcpus,
          maxmem: plan.flavor.ramMb,
          minmem: plan.flavor.ramMb,
        },
        osparams,
        start: true,
        name_check: false,
        ip_check: false,
      };
      let jobId: number;
      try {
        const rapi = this.runner.clientFor(backend);
        jobId = await submitOnce(
          rapi,
          { reason: requestId ?? '', opcode: OpCode.InstanceCreate, instance: body.name },
          () => rapi.createInstance(body, { reason: requestId ?? '' }),
        );
      } catch (err) {
        if (!(err instanceof RapiError)) throw err;
        const message = err.unreachable
          ? `The backend ${backend.name} did not answer while the server was being created; delete this server and try again later.`
          : `The backend ${backend.name} refused to create the server: ${backendReason(err)}`;
        await fail(err.unreachable ? 503 : 500, message, err.message);
        return;
      }
      await this.servers.update(tx, serverId, {
        taskJobId: jobId,
        backendJobId: jobId,
        backendJobStatus: 'queued',
        backendOpcode: OpCode.InstanceCreate,
      });
      await this.quotas.bindJob(commissionId, jobId, tx);
      await this.servers.trail(tx, {
        serverId,
        source: 'rapi',
        requestId,
        jobId,
        opcode: OpCode.InstanceCreate,
        status: 'queued',
        message: `${OpCode.InstanceCreate} submitted to ${backend.name} as job ${jobId}`,
      });
    }, this.runner.txOptions);
  }
}
