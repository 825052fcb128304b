import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.loader';

describe('loadConfig', () => {
  it('gives the documented defaults when nothing is set', () => {
    const c = loadConfig({}, '/srv/nefos');
    expect(c.api.port).toBe(8774);
    expect(c.rapi.port).toBe(5080);
    expect(c.console.port).toBe(6080);
    expect(c.dataDir).toBe('/srv/nefos/.run');
    expect(c.master.queueDir).toBe('/srv/nefos/.run/master/queue');
    expect(c.identity.tokenTtlSeconds).toBe(3600);
    expect(c.console.tokenTtlSeconds).toBe(30);
    expect(c.api.publicUrl).toBe('http://127.0.0.1:8774');
    expect(c.database.url).toBeUndefined();
  });

  it('names the variable and the problem when a value is wrong', () => {
    expect(() => loadConfig({ NEFOS_API_PORT: 'eighty' })).toThrow(
      /NEFOS_API_PORT="eighty": expected a port number/,
    );
    expect(() => loadConfig({ NEFOS_CONSOLE_PORT: '70000' })).toThrow(
      /NEFOS_CONSOLE_PORT="70000": a port must be between 1 and 65535/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(
      /DATABASE_URL="mysql:\/\/x": expected a URL starting with postgres: or postgresql:/,
    );
    expect(() => loadConfig({ NEFOS_HYPERVISOR: 'xen' })).toThrow(/NEFOS_HYPERVISOR="xen"/);
  });

  it('reports every wrong value at once', () => {
    try {
      loadConfig({ NEFOS_API_PORT: 'x', NEFOS_TOKEN_TTL: '-5' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(2);
    }
  });

  it('refuses two processes on the same port', () => {
    expect(() => loadConfig({ NEFOS_API_PORT: '5080' })).toThrow(
      /NEFOS_RAPI_PORT=5080: the same port as NEFOS_API_PORT/,
    );
  });

  it('reads the console proxy settings', () => {
    const c = loadConfig({
      NEFOS_CONSOLE_WATCH_INTERVAL_MS: '500',
      NEFOS_CONSOLE_ALLOWED_ORIGINS: 'https://dash.example.com/, http://10.0.0.1:8080',
    });
    expect(c.console.watchIntervalMs).toBe(500);
    expect(c.console.allowedOrigins).toEqual(['https://dash.example.com', 'http://10.0.0.1:8080']);
    expect(loadConfig({}).console.allowedOrigins).toEqual([]);
    expect(() =>
      loadConfig({ NEFOS_CONSOLE_ALLOWED_ORIGINS: 'https://x.example.com/path' }),
    ).toThrow(/NEFOS_CONSOLE_ALLOWED_ORIGINS/);
  });

  it('reads the scale-out settings: replicas and the balancers trusted for the client address', () => {
    const d = loadConfig({});
    expect([d.api.replicas, d.dispatcher.replicas, d.api.trustProxy]).toEqual([1, 1, ['loopback']]);
    const c = loadConfig({
      NEFOS_API_REPLICAS: '3',
      NEFOS_DISPATCHER_REPLICAS: '2',
      NEFOS_TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::1',
    });
    expect([c.api.replicas, c.dispatcher.replicas]).toEqual([3, 2]);
    expect(c.api.trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::1']);
    expect(() => loadConfig({ NEFOS_API_REPLICAS: '0' })).toThrow(/NEFOS_API_REPLICAS="0"/);
    expect(() => loadConfig({ NEFOS_TRUST_PROXY: 'everyone' })).toThrow(/NEFOS_TRUST_PROXY/);
  });

  it('parses an explicit node list', () => {
    const c = loadConfig({ NEFOS_NODES: 'node1=qemu:///system, node2=qemu+ssh://host2/system' });
    expect(c.master.nodes).toEqual([
      { name: 'node1', uri: 'qemu:///system' },
      { name: 'node2', uri: 'qemu+ssh://host2/system' },
    ]);
    expect(() => loadConfig({ NEFOS_NODES: 'justaname' })).toThrow(/NEFOS_NODES/);
  });

  it('finds the private services recorded by the launcher when the URLs are unset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nefos-config-'));
    writeFileSync(
      join(dir, 'services.json'),
      JSON.stringify({
        databaseUrl: 'postgresql://a@127.0.0.1:1/x',
        redisUrl: 'redis://127.0.0.1:2',
      }),
    );
    const c = loadConfig({ NEFOS_DATA_DIR: dir });
    expect(c.database.url).toBe('postgresql://a@127.0.0.1:1/x');
    expect(
      loadConfig({ NEFOS_DATA_DIR: dir, DATABASE_URL: 'postgresql://b@h/y' }).database.url,
    ).toBe('postgresql://b@h/y');
  });
});
