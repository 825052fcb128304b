import { z } from 'zod';
import { OpPrereqError } from '../../common/ganeti-errors';

/** Ganeti's disk templates: unknown ones are refused at submission (400), disabled ones by the op. */
export const DISK_TEMPLATES = [
  'diskless',
  'file',
  'sharedfile',
  'plain',
  'drbd',
  'blockdev',
  'rbd',
  'ext',
  'gluster',
] as const;

/** The one OS provider: it installs from osparams (img_id, img_format) like snf-image. */
export const DEFAULT_OS = 'nefos-image+default';
export const KNOWN_OS = [DEFAULT_OS, 'nefos-image', 'snf-image+default', 'snf-image'];

export const instanceName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an instance name is a host-like name');

export const nodeName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a node name is a host-like name');

export const nicSpec = z
  .object({
    mac: z.string().optional(),
    ip: z.string().nullable().optional(),
    mode: z.enum(['bridged', 'routed', 'openvswitch']).optional(),
    link: z.string().optional(),
    network: z.string().nullable().optional(),
    name: z.string().nullable().optional(),
    vlan: z.string().optional(),
    bridge: z.string().optional(),
  })
  .strict()
  .transform(({ bridge, ...nic }) => (bridge && !nic.link ? { ...nic, link: bridge } : nic));

const TAG = /^[\w.+*/:@-]+$/;

export function checkTags(tags: string[]): void {
  for (const t of tags) {
    if (t.length > 128 || !TAG.test(t)) {
      throw new OpPrereqError(`Invalid tag name '${t}'`, 'wrong_input');
    }
  }
}

/** Parameters every opcode accepts (Ganeti's OpCode base). */
export const commonParams = {
  dry_run: z.boolean().optional(),
  debug_level: z.number().int().optional(),
  priority: z.number().int().min(-20).max(19).optional(),
  depends: z.array(z.unknown()).nullable().optional(),
  comment: z.string().nullable().optional(),
  reason: z.array(z.tuple([z.string(), z.string(), z.number()])).optional(),
};
