import { Get, Param } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { notFound } from '../../common/errors/domain.error';
import { Policy } from '../../identity/policy/policy.decorator';
import { ComputeController } from '../common/compute.decorators';

const UPDATED = '2014-12-03T00:00:00Z';

/** What Nefos implements, under Nova's extension aliases (an honest list, not Nova's full one). */
export const EXTENSIONS: Array<{ alias: string; name: string; description: string }> = [
  { alias: 'os-access-ips', name: 'AccessIPs', description: 'accessIPv4/accessIPv6 on servers.' },
  {
    alias: 'os-availability-zone',
    name: 'AvailabilityZone',
    description: 'One availability zone, "nova".',
  },
  {
    alias: 'os-disk-config',
    name: 'DiskConfig',
    description: 'OS-DCF:diskConfig on servers (MANUAL or AUTO).',
  },
  {
    alias: 'os-extended-availability-zone',
    name: 'ExtendedAvailabilityZone',
    description: 'OS-EXT-AZ:availability_zone on servers.',
  },
  {
    alias: 'os-extended-server-attributes',
    name: 'ExtendedServerAttributes',
    description: 'OS-EXT-SRV-ATTR host and instance name (admins).',
  },
  {
    alias: 'os-extended-status',
    name: 'ExtendedStatus',
    description: 'OS-EXT-STS vm_state, task_state and power_state.',
  },
  {
    alias: 'os-extended-volumes',
    name: 'ExtendedVolumes',
    description: 'os-extended-volumes:volumes_attached on servers.',
  },
  {
    alias: 'os-flavor-access',
    name: 'FlavorAccess',
    description: 'os-flavor-access:is_public on flavors.',
  },
  {
    alias: 'os-flavor-extra-data',
    name: 'FlavorExtraData',
    description: 'OS-FLV-EXT-DATA:ephemeral on flavors.',
  },
  {
    alias: 'os-flavor-disabled',
    name: 'FlavorDisabled',
    description: 'OS-FLV-DISABLED:disabled on flavors.',
  },
  { alias: 'os-flavor-extra-specs', name: 'FlavorExtraSpecs', description: 'Flavor extra specs.' },
  {
    alias: 'os-flavor-manage',
    name: 'FlavorManage',
    description: 'Flavor create and delete (admins).',
  },
  { alias: 'os-image-size', name: 'ImageSize', description: 'OS-EXT-IMG-SIZE:size on images.' },
  { alias: 'os-ips', name: 'Ips', description: 'Server addresses by network.' },
  { alias: 'os-keypairs', name: 'Keypairs', description: 'SSH key pairs: import or generate.' },
  {
    alias: 'os-server-usage',
    name: 'ServerUsage',
    description: 'OS-SRV-USG launched_at and terminated_at.',
  },
  { alias: 'os-extended-ips', name: 'ExtendedIps', description: 'OS-EXT-IPS:type on addresses.' },
  {
    alias: 'os-extended-ips-mac',
    name: 'ExtendedIpsMac',
    description: 'OS-EXT-IPS-MAC:mac_addr on addresses.',
  },
  {
    alias: 'os-server-start-stop',
    name: 'ServerStartStop',
    description: 'os-start and os-stop actions.',
  },
  {
    alias: 'os-security-groups',
    name: 'SecurityGroups',
    description: 'Server security groups (none until the network service adds them).',
  },
  { alias: 'limits', name: 'Limits', description: 'Absolute limits with usage.' },
  {
    alias: 'servers',
    name: 'Servers',
    description:
      'Servers, metadata and actions (reboot, start, stop, resize, rebuild, changePassword).',
  },
  { alias: 'flavors', name: 'Flavors', description: 'Flavors.' },
  { alias: 'images', name: 'Images', description: 'Images, proxied from the image registry.' },
  { alias: 'versions', name: 'Versions', description: 'API version discovery.' },
];

function view(e: (typeof EXTENSIONS)[number]) {
  return {
    alias: e.alias,
    name: e.name,
    description: e.description,
    namespace: `http://docs.openstack.org/compute/ext/fake_xml`,
    updated: UPDATED,
    links: [],
  };
}

@ComputeController('extensions', 'extensions')
export class ExtensionsController {
  @Get()
  @Policy('compute:extensions:list')
  @ApiOperation({ summary: 'List the implemented extensions' })
  list() {
    return { extensions: EXTENSIONS.map(view) };
  }

  @Get(':alias')
  @Policy('compute:extensions:list')
  @ApiOperation({ summary: 'Show an extension' })
  show(@Param('alias') alias: string) {
    const e = EXTENSIONS.find((x) => x.alias === alias);
    if (!e) throw notFound(`Extension ${alias} could not be found.`);
    return { extension: view(e) };
  }
}
