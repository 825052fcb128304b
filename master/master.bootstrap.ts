import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Logger, NefosConfig } from '@nefos/contracts';
import { ClusterConfigStore, DEFAULT_GROUP } from './cluster/cluster-config.store';
import type { NodeConfig } from './cluster/cluster-config.types';
import { unixNow } from './common/ganeti-time';
import { hostOf } from './exec/opcodes/node.ops';
import { DEFAULT_NICPARAMS } from './exec/opcodes/params';

export type HypervisorKind = 'qemu' | 'test';

/** NEFOS_HYPERVISOR, or qemu when libvirt and QEMU are installed (as the launcher decides). */
export function chooseHypervisor(settings: NefosConfig): HypervisorKind {
  if (settings.master.hypervisor) return settings.master.hypervisor;
  return existsSync('/usr/sbin/libvirtd') && existsSync('/usr/bin/qemu-system-x86_64')
    ? 'qemu'
    : 'test';
}

/** Ganeti's name for the hypervisor: `kvm` for QEMU guests, `fake` for libvirt's test driver. */
export const ganetiHypervisor = (kind: HypervisorKind): string =>
  kind === 'qemu' ? 'kvm' : 'fake';

export function localNodeName(): string {
  return hostname().split('.')[0] || 'node1';
}

export function localNodeUri(settings: NefosConfig, kind: HypervisorKind, name: string): string {
  return kind === 'qemu'
    ? 'qemu:///system'
    : `test://${join(settings.master.storageDir, name, 'libvirt-test-node.xml')}`;
}

function newNode(name: string, uri: string, group: string, local: boolean): NodeConfig {
  const now = unixNow();
  return {
    name,
    uuid: randomUUID(),
    uri,
    primary_ip: hostOf(uri),
    group,
    offline: false,
    drained: false,
    master_candidate: true,
    master_capable: true,
    vm_capable: true,
    ndparams: {},
    local,
    tags: [],
    ctime: now,
    mtime: now,
    serial_no: 1,
  };
}

/**
 * Loads the cluster config, creating it on first start (`init`), and lines the nodes up with the
 * settings: NEFOS_NODES entries are added or re-pointed; with none, one local node follows
 * NEFOS_HYPERVISOR. Nodes added with the CLI stay.
 */
export function loadOrInitCluster(
  settings: NefosConfig,
  kind: HypervisorKind,
  logger: Logger,
): ClusterConfigStore {
  const store = new ClusterConfigStore(settings.master.configFile);
  const existing = store.exists() ? store.load() : null;
  // The local node keeps the name it was given, even if the host name changes later.
  const localName =
    Object.values(existing?.nodes ?? {}).find((n) => n.local)?.name ?? localNodeName();
  const wanted = settings.master.nodes.length
    ? settings.master.nodes.map((n) => ({ ...n, local: false }))
    : [{ name: localName, uri: '', local: true }];
  if (!existing) {
    store.init({
      name: settings.master.clusterName,
      master_node: wanted[0].name,
      hypervisor: ganetiHypervisor(kind),
      enabled_hypervisors: [ganetiHypervisor(kind)],
      enabled_disk_templates: ['file', 'diskless'],
      beparams: {},
      nicparams: { ...DEFAULT_NICPARAMS },
      hvparams: {},
      mac_prefix: 'aa:00:00',
      enabled_user_shutdown: true,
    });
    logger.info(
      { cluster: settings.master.clusterName, file: settings.master.configFile },
      'initialised a new cluster',
    );
  } else {
    store.load();
  }
  store.update((c) => {
    c.cluster.hypervisor = ganetiHypervisor(kind);
    c.cluster.enabled_hypervisors = [ganetiHypervisor(kind)];
    const group = c.groups[DEFAULT_GROUP].uuid;
    for (const w of wanted) {
      const uri = w.local ? localNodeUri(settings, kind, w.name) : w.uri;
      const existing = c.nodes[w.name];
      if (!existing) {
        c.nodes[w.name] = newNode(w.name, uri, group, w.local);
        logger.info({ node: w.name, uri }, 'node added from the settings');
      } else if (existing.uri !== uri && (w.local ? existing.local : true)) {
        logger.info(
          { node: w.name, from: existing.uri, to: uri },
          'node re-pointed from the settings',
        );
        existing.uri = uri;
        existing.primary_ip = hostOf(uri);
      }
    }
    if (!c.nodes[c.cluster.master_node]) c.cluster.master_node = wanted[0].name;
  });
  return store;
}
