import { ha1, parseUsersFile, passwordMatches } from './rapi-users';

describe('RAPI users file', () => {
  const users = parseUsersFile(
    [
      '# comment',
      'admin {HA1}' + ha1('admin', 's3cret') + ' write',
      'viewer {cleartext}look read',
      'legacy plainpw write,read',
      '',
    ].join('\n'),
  );

  it('parses users, passwords and options as Ganeti does', () => {
    expect([...users.keys()]).toEqual(['admin', 'viewer', 'legacy']);
    expect([...users.get('legacy')!.options]).toEqual(['write', 'read']);
    expect(users.get('viewer')!.options.has('write')).toBe(false);
  });

  it('checks {HA1}, {cleartext} and bare passwords', () => {
    expect(passwordMatches(users.get('admin')!, 's3cret')).toBe(true);
    expect(passwordMatches(users.get('admin')!, 'S3cret')).toBe(false);
    expect(passwordMatches(users.get('viewer')!, 'look')).toBe(true);
    expect(passwordMatches(users.get('legacy')!, 'plainpw')).toBe(true);
    expect(passwordMatches({ name: 'x', password: '{SHA}abc', options: new Set() }, 'abc')).toBe(
      false,
    );
  });

  it('computes HA1 as md5(user:realm:password)', () => {
    expect(ha1('nefos', 'pw')).toMatch(/^[0-9a-f]{32}$/);
    expect(ha1('nefos', 'pw')).not.toBe(ha1('other', 'pw'));
  });
});
