import { loadConfig } from '@nefos/contracts';
import { CatalogRegistry } from './catalog.registry';

describe('CatalogRegistry', () => {
  const config = loadConfig({
    NEFOS_PUBLIC_URL: 'https://cloud.example.test/',
    NEFOS_REGION: 'west',
  });

  it('lists identity, compute and image under the public URL in every interface', () => {
    const catalog = new CatalogRegistry(config).entries('p1');
    expect(catalog.map((e) => [e.type, e.name])).toEqual([
      ['compute', 'nova'],
      ['identity', 'keystone'],
      ['image', 'glance'],
    ]);
    for (const e of catalog) {
      expect(e.endpoints.map((ep) => ep.interface)).toEqual(['public', 'internal', 'admin']);
      expect(new Set(e.endpoints.map((ep) => ep.url)).size).toBe(1);
      expect(e.endpoints.every((ep) => ep.region === 'west')).toBe(true);
    }
    expect(catalog[0].endpoints[0].url).toBe('https://cloud.example.test/compute/v2.1');
  });

  it('takes services that register themselves, and substitutes the project', () => {
    const registry = new CatalogRegistry(config);
    registry.register({ type: 'network', name: 'neutron', path: '/network' });
    registry.register({ type: 'volumev3', name: 'cinderv3', path: '/volume/v3/{project_id}' });
    const scoped = registry.entries('abc');
    expect(scoped.find((e) => e.type === 'volumev3')?.endpoints[0].url).toBe(
      'https://cloud.example.test/volume/v3/abc',
    );
    expect(registry.entries(null).map((e) => e.type)).not.toContain('volumev3');
    expect(registry.templates().find((e) => e.type === 'volumev3')?.endpoints[0].url).toBe(
      'https://cloud.example.test/volume/v3/$(project_id)s',
    );
  });

  it('gives the same ids on every replica', () => {
    expect(new CatalogRegistry(config).entries('p')).toEqual(
      new CatalogRegistry(config).entries('p'),
    );
  });

  it('refuses a path that is not an absolute URL path', () => {
    expect(() =>
      new CatalogRegistry(config).register({ type: 'x', name: 'x', path: 'http://evil' }),
    ).toThrow('absolute URL path');
  });
});
