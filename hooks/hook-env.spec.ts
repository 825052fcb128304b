import { firewallFromEnv, messagesFromEnv, nicsFromEnv } from './hook-env';

const INSTANCE = 'nefos-3f1c2b4a-9d8e-4f70-8a6b-1c2d3e4f5a6b';

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GANETI_HOOKS_VERSION: '2',
    GANETI_HOOKS_PHASE: 'post',
    GANETI_HOOKS_PATH: 'instance-add',
    GANETI_OP_CODE: 'OP_INSTANCE_CREATE',
    GANETI_OBJECT_TYPE: 'INSTANCE',
    GANETI_CLUSTER: 'cluster.example.org',
    GANETI_INSTANCE_NAME: INSTANCE,
    GANETI_INSTANCE_NIC_COUNT: '2',
    GANETI_INSTANCE_NIC0_MAC: 'AA:00:00:11:22:33',
    GANETI_INSTANCE_NIC0_IP: '10.99.0.5',
    GANETI_INSTANCE_NIC0_MODE: 'routed',
    GANETI_INSTANCE_NIC0_LINK: 'rt100',
    GANETI_INSTANCE_NIC0_NETWORK_NAME: 'public',
    GANETI_INSTANCE_NIC1_MAC: 'aa:00:00:11:22:34',
    GANETI_INSTANCE_NIC1_IP: '',
    GANETI_INSTANCE_NIC1_MODE: 'bridged',
    GANETI_INSTANCE_NIC1_BRIDGE: 'br0',
    GANETI_INSTANCE_TAGS: 'nefos:firewall:0:PROTECTED other-tag',
    ...extra,
  };
}

describe('hook environment', () => {
  it('reads NICs as Ganeti passes them', () => {
    expect(nicsFromEnv(env())).toEqual([
      expect.objectContaining({
        index: 0,
        mac: 'aa:00:00:11:22:33',
        ip: '10.99.0.5',
        networkName: 'public',
        link: 'rt100',
      }),
      expect.objectContaining({ index: 1, mac: 'aa:00:00:11:22:34', ip: null, link: 'br0' }),
    ]);
  });

  it('prefers the post-phase copy, which is the state after the op', () => {
    const nics = nicsFromEnv(
      env({
        GANETI_POST_INSTANCE_NIC_COUNT: '1',
        GANETI_POST_INSTANCE_NIC0_MAC: 'aa:00:00:99:99:99',
      }),
    );
    expect(nics).toHaveLength(1);
    expect(nics[0].mac).toBe('aa:00:00:99:99:99');
  });

  it('reads firewall profiles from instance tags', () => {
    expect(firewallFromEnv(env())).toEqual([{ nic: 0, profile: 'PROTECTED' }]);
  });

  it('publishes NICs and, after a build, its progress', () => {
    const msgs = messagesFromEnv(env(), 'nefos-local', Date.UTC(2030, 0, 1));
    expect(msgs.map((m) => m.message.type)).toEqual(['network', 'progress']);
    expect(msgs[0].message).toMatchObject({
      cluster: 'nefos-local',
      instance: INSTANCE,
      operation: 'OP_INSTANCE_CREATE',
      status: 'success',
      jobId: 0,
      eventTime: [Date.UTC(2030, 0, 1) / 1000, 0],
    });
    expect(msgs[1].message).toMatchObject({ progress: 100 });
    expect(msgs[0].idSuffix).toMatch(/^hook-instance-add-nefos-[0-9a-f-]+-[0-9a-f]{12}$/);
  });

  it('publishes nothing in the pre phase or for other objects', () => {
    expect(messagesFromEnv(env({ GANETI_HOOKS_PHASE: 'pre' }), 'c')).toEqual([]);
    expect(messagesFromEnv(env({ GANETI_OBJECT_TYPE: 'NODE' }), 'c')).toEqual([]);
    expect(messagesFromEnv(env({ GANETI_HOOKS_PATH: 'instance-remove' }), 'c')).toEqual([]);
  });
});
