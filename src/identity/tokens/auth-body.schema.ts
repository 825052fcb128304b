import { z } from 'zod';

const id = z.string().min(1).max(255);
const name = z.string().min(1).max(255);
const password = z.string().max(4096);

const domainRef = z
  .object({ id: id.optional(), name: name.optional() })
  .refine((d) => d.id !== undefined || d.name !== undefined, 'a domain needs an id or a name');

const userRef = z
  .object({ id: id.optional(), name: name.optional(), domain: domainRef.optional(), password })
  .refine(
    (u) => u.id !== undefined || (u.name !== undefined && u.domain !== undefined),
    'a user needs an id, or a name and a domain',
  );

const projectRef = z
  .object({ id: id.optional(), name: name.optional(), domain: domainRef.optional() })
  .refine(
    (p) => p.id !== undefined || (p.name !== undefined && p.domain !== undefined),
    'a project needs an id, or a name and a domain',
  );

export type DomainRef = z.infer<typeof domainRef>;
export type UserRef = z.infer<typeof userRef>;
export type ProjectRef = z.infer<typeof projectRef>;

/** What to scope a token to: a project, explicitly nothing, or (absent) the default project. */
export type ScopeRequest =
  | { kind: 'project'; project: ProjectRef }
  | { kind: 'unscoped' }
  | { kind: 'default' }
  | { kind: 'domain'; domain: DomainRef }
  | { kind: 'system' };

const scope = z.union([
  z.literal('unscoped'),
  z.object({
    project: projectRef.optional(),
    domain: domainRef.optional(),
    system: z.unknown().optional(),
  }),
]);

/** `POST /identity/v3/auth/tokens` */
export const v3AuthBody = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).min(1, 'at least one method is needed'),
      password: z.object({ user: userRef }).optional(),
      token: z.object({ id: z.string().min(1).max(1024) }).optional(),
    }),
    scope: scope.optional(),
  }),
});
export type V3AuthBody = z.infer<typeof v3AuthBody>;

export function scopeOf(s: V3AuthBody['auth']['scope']): ScopeRequest {
  if (s === undefined) return { kind: 'default' };
  if (s === 'unscoped') return { kind: 'unscoped' };
  if (s.project) return { kind: 'project', project: s.project };
  if (s.domain) return { kind: 'domain', domain: s.domain };
  if (s.system !== undefined) return { kind: 'system' };
  return { kind: 'default' };
}

/** `POST /identity/v2.0/tokens` */
export const v2AuthBody = z.object({
  auth: z
    .object({
      passwordCredentials: z.object({ username: name, password }).optional(),
      token: z.object({ id: z.string().min(1).max(1024) }).optional(),
      tenantName: name.optional(),
      tenantId: id.optional(),
    })
    .refine(
      (a) => a.passwordCredentials !== undefined || a.token !== undefined,
      'passwordCredentials or token is needed',
    ),
});
export type V2AuthBody = z.infer<typeof v2AuthBody>;
