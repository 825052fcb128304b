import type { Flavor } from '@nefos/database';
import type { ComputeLinks } from '../common/compute-links';

export function flavorSummary(f: Flavor, links: ComputeLinks): Record<string, unknown> {
  return { id: f.id, name: f.name, links: links.pair('flavors', f.id) };
}

/** The v2.1 flavor (before 2.55 added `description`). */
export function flavorDetail(f: Flavor, links: ComputeLinks): Record<string, unknown> {
  return {
    id: f.id,
    name: f.name,
    ram: f.ramMb,
    disk: f.diskGb,
    vcpus: f.vcpus,
    links: links.pair('flavors', f.id),
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeralGb,
    'OS-FLV-DISABLED:disabled': f.disabled,
    swap: f.swapMb === 0 ? '' : f.swapMb,
    rxtx_factor: f.rxtxFactor,
    'os-flavor-access:is_public': f.isPublic,
  };
}
