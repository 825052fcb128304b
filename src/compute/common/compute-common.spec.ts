import { z } from 'zod/v4';
import { DomainError } from '../../common/errors/domain.error';
import { negotiateMicroversion } from './api-version';
import { computePathMiddleware, type ComputeRequest } from './compute-request';
import { isIpv6, nameSchema, parseInput } from './validation';

describe('negotiateMicroversion', () => {
  it.each([
    [{}, '2.1'],
    [{ 'x-openstack-nova-api-version': '2.1' }, '2.1'],
    [{ 'openstack-api-version': 'compute 2.1' }, '2.1'],
    [{ 'openstack-api-version': 'image 2.5, compute latest' }, '2.1'],
    [{ 'openstack-api-version': 'volume 3.0' }, '2.1'],
  ])('accepts %j as %s', (headers, version) => {
    expect(negotiateMicroversion(headers)).toBe(version);
  });

  it.each([
    [{ 'openstack-api-version': 'compute 2.2' }, 406],
    [{ 'x-openstack-nova-api-version': '2.0' }, 406],
    [{ 'openstack-api-version': 'compute 3.1', 'x-openstack-nova-api-version': '2.1' }, 406],
    [{ 'x-openstack-nova-api-version': '2' }, 400],
    [{ 'openstack-api-version': 'compute' }, 400],
  ])('refuses %j with %i', (headers, status) => {
    expect(() => negotiateMicroversion(headers)).toThrow(DomainError);
    try {
      negotiateMicroversion(headers);
    } catch (e) {
      expect((e as DomainError).status).toBe(status);
    }
  });
});

describe('computePathMiddleware', () => {
  const run = (url: string): ComputeRequest => {
    const req = { url } as ComputeRequest;
    computePathMiddleware(req, undefined, () => undefined);
    return req;
  };
  const project = '0123456789abcdef0123456789ABCDEF';

  it.each([
    ['/compute/v2.1/servers', '/compute/v2.1/servers', 'v2.1', null],
    [
      `/compute/v2.1/${project}/servers/x?limit=1`,
      '/compute/v2.1/servers/x?limit=1',
      'v2.1',
      project.toLowerCase(),
    ],
    ['/compute/v2/servers', '/compute/v2.1/servers', 'v2', null],
    [`/compute/v2/${project}`, '/compute/v2', 'v2', project.toLowerCase()],
    ['/compute/v2.1', '/compute/v2.1', 'v2.1', null],
    [
      '/compute/v2.1/servers/0123456789abcdef0123456789abcdef',
      '/compute/v2.1/servers/0123456789abcdef0123456789abcdef',
      'v2.1',
      null,
    ],
  ])('maps %s to %s', (url, target, version, projectId) => {
    const req = run(url);
    expect(req.url).toBe(target);
    expect(req.compute).toEqual({ version, pathProjectId: projectId });
  });

  it('leaves other paths alone', () => {
    expect(run('/identity/v3').url).toBe('/identity/v3');
    expect(run('/compute/v3/servers').compute).toBeUndefined();
  });
});

describe('validation messages', () => {
  const schema = z.strictObject({
    server: z.strictObject({ name: nameSchema, n: z.int().optional() }),
  });

  it.each([
    [{ server: { name: 'ok', n: 'x' } }, 'server.n: expected a number, got string "x"'],
    [{ server: {} }, 'server.name: it is required'],
    [{ server: { name: '' } }, 'server.name: must not be empty'],
    [{ server: { name: 'a'.repeat(256) } }, 'server.name: must be at most 255 characters long'],
    [{ server: { name: ' a' } }, 'server.name: must not start or end with whitespace'],
    [{ server: { name: 'a\u0000b' } }, 'server.name: must not contain control characters'],
    [
      { server: { name: 'a', x: 1 } },
      "server: additional properties are not allowed ('x' was unexpected)",
    ],
  ])('names the field for %j', (input, message) => {
    expect(() => parseInput(schema, input)).toThrow(`Invalid input for field/attribute ${message}`);
  });
});

describe('isIpv6', () => {
  it.each([
    '::',
    '::1',
    'fe80::1',
    '2001:db8::8a2e:370:7334',
    '2001:0db8:0000:0000:0000:ff00:0042:8329',
    '::ffff:192.0.2.1',
  ])('accepts %s', (a) => expect(isIpv6(a)).toBe(true));
  it.each(['', 'zz::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', '192.0.2.1'])('refuses %s', (a) =>
    expect(isIpv6(a)).toBe(false),
  );
});
