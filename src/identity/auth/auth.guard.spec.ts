import type { AuthContext } from './auth-context';
import { allowed } from './auth.guard';

function ctx(roles: string[], projectId: string | null = 'p1', userId = 'u1'): AuthContext {
  return {
    userId,
    userName: 'someone',
    domainId: 'default',
    projectId,
    projectName: projectId,
    roles,
    isAdmin: roles.includes('admin'),
    readOnly: !roles.includes('admin') && !roles.includes('member'),
    tokenHash: 'h',
    auditId: 'a',
    expiresAt: new Date(Date.now() + 1000),
    methods: ['password'],
  };
}

describe('policy rules', () => {
  it('lets readers read and nothing more', () => {
    const reader = ctx(['reader']);
    expect(allowed('reader', reader)).toBe(true);
    expect(allowed('member', reader)).toBe(false);
    expect(allowed('admin', reader)).toBe(false);
  });

  it('lets members change their project but not administer', () => {
    const member = ctx(['member']);
    expect(allowed('member', member)).toBe(true);
    expect(allowed('admin', member)).toBe(false);
  });

  it('lets admins do everything', () => {
    const admin = ctx(['admin']);
    for (const rule of ['reader', 'member', 'admin', 'owner', 'project_reader'] as const) {
      expect(allowed(rule, admin, { project_id: 'other', user_id: 'other' })).toBe(true);
    }
  });

  it('limits owner and project_reader to the caller itself and its project', () => {
    const reader = ctx(['reader']);
    expect(allowed('owner', reader, { user_id: 'u1' })).toBe(true);
    expect(allowed('owner', reader, { user_id: 'u2' })).toBe(false);
    expect(allowed('project_reader', reader, { project_id: 'p1' })).toBe(true);
    expect(allowed('project_reader', reader, { project_id: 'p2' })).toBe(false);
  });

  it('lets an unscoped token act only on itself', () => {
    const unscoped = ctx([], null);
    expect(allowed('authenticated', unscoped)).toBe(true);
    expect(allowed('owner', unscoped, { user_id: 'u1' })).toBe(true);
    expect(allowed('reader', unscoped)).toBe(false);
    expect(allowed('project_reader', unscoped, { project_id: 'p1' })).toBe(false);
  });
});
