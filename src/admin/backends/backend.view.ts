import type { Backend, BackendNode } from '@nefos/database';

/** A backend as the admin API and CLI show it: never its RAPI password. */
export interface BackendView {
  name: string;
  rapiUrl: string;
  rapiUser: string;
  hypervisor: string;
  drained: boolean;
  offline: boolean;
  /** Any project may get servers here; when false, only the `projects` it is pinned to. */
  public: boolean;
  /** Ids of the projects the backend is pinned to. */
  projects: string[];
  cpus: number;
  cpusFree: number;
  memoryMib: number;
  memoryFreeMib: number;
  diskMib: number;
  diskFreeMib: number;
  instances: number;
  /** Last successful capacity read through RAPI (null: never read). */
  capacityAt: string | null;
  lastHeartbeatAt: string | null;
  lastHeartbeatOk: boolean | null;
  createdAt: string;
  updatedAt: string;
  nodes?: NodeView[];
}

export interface NodeView {
  name: string;
  role: string;
  drained: boolean;
  offline: boolean;
  cpus: number;
  memoryMib: number;
  memoryFreeMib: number;
  diskMib: number;
  diskFreeMib: number;
  instances: number;
  updatedAt: string;
}

export function backendView(
  b: Backend & { nodes?: BackendNode[]; projects?: Array<{ projectId: string }> },
): BackendView {
  return {
    name: b.name,
    rapiUrl: b.rapiUrl,
    rapiUser: b.rapiUser,
    hypervisor: b.hypervisor,
    drained: b.drained,
    offline: b.offline,
    public: b.public,
    projects: (b.projects ?? []).map((p) => p.projectId),
    cpus: b.ctotal,
    cpusFree: b.cfree,
    memoryMib: b.mtotal,
    memoryFreeMib: b.mfree,
    diskMib: b.dtotal,
    diskFreeMib: b.dfree,
    instances: b.pinstCnt,
    capacityAt: b.capacityAt?.toISOString() ?? null,
    lastHeartbeatAt: b.lastHeartbeatAt?.toISOString() ?? null,
    lastHeartbeatOk: b.lastHeartbeatOk,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
    ...(b.nodes ? { nodes: b.nodes.map(nodeView) } : {}),
  };
}

export function nodeView(n: BackendNode): NodeView {
  return {
    name: n.name,
    role: n.role,
    drained: n.drained,
    offline: n.offline,
    cpus: n.ctotal,
    memoryMib: n.mtotal,
    memoryFreeMib: n.mfree,
    diskMib: n.dtotal,
    diskFreeMib: n.dfree,
    instances: n.pinstCnt,
    updatedAt: n.updatedAt.toISOString(),
  };
}
