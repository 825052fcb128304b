import { Get } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { BackendRepository } from '@nefos/database';
import type { AuthContext } from '../../identity/auth/auth-context';
import { CurrentAuth } from '../../identity/auth/current-auth.decorator';
import { Policy } from '../../identity/policy/policy.decorator';
import { ComputeController } from '../common/compute.decorators';
import { isoMicros } from '../common/time';

/** The zone every server lands in until backends are grouped into zones. */
export const DEFAULT_ZONE = 'nova';

@ComputeController('os-availability-zone', 'availability zones')
export class AvailabilityZonesController {
  constructor(private readonly backends: BackendRepository) {}

  @Get()
  @Policy('compute:availability_zones:list')
  @ApiOperation({ summary: 'List availability zones' })
  async list() {
    const usable = await this.backends.listUsable();
    return {
      availabilityZoneInfo: [
        { zoneName: DEFAULT_ZONE, zoneState: { available: usable.length > 0 }, hosts: null },
      ],
    };
  }

  /** Nodes of every backend appear as hosts to admins; others see the zone only. */
  @Get('detail')
  @Policy('compute:availability_zones:list')
  @ApiOperation({ summary: 'List availability zones with their hosts (hosts for admins)' })
  async detail(@CurrentAuth() auth: AuthContext) {
    const all = await this.backends.list();
    const usable = all.filter((b) => !b.drained && !b.offline);
    let hosts: Record<string, unknown> | null = null;
    if (auth.isAdmin) {
      hosts = {};
      for (const b of all) {
        const nodes = await this.backends.nodes(b.id);
        for (const n of nodes) {
          hosts[n.name] = {
            'nova-compute': {
              available: !b.offline && !n.offline,
              active: !b.drained && !n.drained,
              updated_at: isoMicros(n.updatedAt),
            },
          };
        }
      }
    }
    return {
      availabilityZoneInfo: [
        { zoneName: DEFAULT_ZONE, zoneState: { available: usable.length > 0 }, hosts },
      ],
    };
  }
}
