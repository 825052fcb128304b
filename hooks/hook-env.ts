import { createHash } from 'node:crypto';
import type { EventMessageInput, GanetiTimestamp, NicInfo } from '@nefos/contracts';

/** Hook paths the Nefos hook is installed for (post phase): NICs can change in each of them. */
export const HOOK_PATHS = ['instance-add', 'instance-start', 'instance-reboot', 'instance-modify'];

/** Instance tags that carry a NIC's firewall profile: `nefos:firewall:<nic index>:<profile>`. */
const FIREWALL_TAG = /^nefos:firewall:(\d+):(ENABLED|DISABLED|PROTECTED)$/;

export interface HookMessage {
  message: EventMessageInput;
  /** Suffix of the deterministic BullMQ id: hooks have no job id of their own. */
  idSuffix: string;
}

type Env = Record<string, string | undefined>;

function digest(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 12);
}

function nowTimestamp(now: number): GanetiTimestamp {
  const s = Math.floor(now / 1000);
  return [s, Math.floor((now - s * 1000) * 1000)];
}

/** In the post phase the GANETI_POST_* copy is the state after the op; fall back to the pre one. */
function reader(env: Env): (key: string) => string | undefined {
  return (key) => {
    const post = env[`GANETI_POST_${key}`];
    const value = post !== undefined && post !== '' ? post : env[`GANETI_${key}`];
    return value === undefined || value === '' ? undefined : value;
  };
}

export function nicsFromEnv(env: Env): NicInfo[] {
  const get = reader(env);
  const count = Number(get('INSTANCE_NIC_COUNT') ?? '0');
  if (!Number.isInteger(count) || count < 0 || count > 64) return [];
  const nics: NicInfo[] = [];
  for (let i = 0; i < count; i++) {
    const p = `INSTANCE_NIC${i}_`;
    nics.push({
      index: i,
      mac: get(`${p}MAC`)?.toLowerCase() ?? null,
      ip: get(`${p}IP`) ?? null,
      network: get(`${p}NETWORK_UUID`) ?? null,
      networkName: get(`${p}NETWORK_NAME`) ?? null,
      name: get(`${p}NAME`) ?? null,
      uuid: get(`${p}UUID`) ?? null,
      mode: get(`${p}MODE`) ?? null,
      link: get(`${p}LINK`) ?? get(`${p}BRIDGE`) ?? null,
    });
  }
  return nics;
}

export function firewallFromEnv(env: Env): Array<{ nic: number; profile: string }> {
  const tags = (reader(env)('INSTANCE_TAGS') ?? '').split(/\s+/).filter(Boolean);
  return tags
    .map((t) => FIREWALL_TAG.exec(t))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ nic: Number(m[1]), profile: m[2] }));
}

/**
 * The messages one hook run publishes, from the environment Ganeti (or the Nefos master) gives
 * it: the instance's NICs and firewall profiles (`events.network`), and for a finished build its
 * progress (`events.progress`). Nothing outside the post phase of an instance hook.
 */
export function messagesFromEnv(env: Env, cluster: string, now = Date.now()): HookMessage[] {
  const get = reader(env);
  if (env.GANETI_HOOKS_PHASE !== 'post' || env.GANETI_OBJECT_TYPE !== 'INSTANCE') return [];
  const instance = get('INSTANCE_NAME');
  const operation = env.GANETI_OP_CODE;
  const hpath = env.GANETI_HOOKS_PATH ?? 'unknown';
  if (!instance || !operation || !/^OP_[A-Z0-9_]+$/.test(operation)) return [];
  if (!HOOK_PATHS.includes(hpath)) return [];
  const jobId = /^\d+$/.test(env.GANETI_JOB_ID ?? '') ? Number(env.GANETI_JOB_ID) : 0;
  const common = {
    cluster,
    jobId,
    opIndex: 0,
    operation,
    status: 'success' as const,
    eventTime: nowTimestamp(now),
  };
  const nics = nicsFromEnv(env);
  const firewall = firewallFromEnv(env);
  const out: HookMessage[] = [
    {
      message: {
        type: 'network',
        ...common,
        instance,
        nics,
        firewall,
        logmsg: `${hpath} post hook: ${nics.length} NIC(s)`,
        jobFields: {},
      },
      idSuffix: `hook-${hpath}-${instance}-${digest({ nics, firewall })}`,
    },
  ];
  if (hpath === 'instance-add') {
    out.push({
      message: {
        type: 'progress',
        ...common,
        instance,
        progress: 100,
        messages: ['disks created and the OS installed'],
        logmsg: 'build finished',
      },
      idSuffix: `hook-progress-${instance}`,
    });
  }
  return out;
}
