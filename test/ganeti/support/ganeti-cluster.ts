import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RapiClient } from '../../../libs/contracts/src';
import { isRoot } from '../../../stack/services/process-utils';

const SCRIPT = join(__dirname, 'ganeti-namespace.sh');
const NAMESPACES = ['net', 'uts', 'mnt', 'pid'] as const;
/** The OS our API asks for (NEFOS_INSTANCE_OS), with the parameters it passes (snf-image's). */
export const OS_NAME = 'nefos-image';
export const OS_PARAMETERS = ['img_id', 'img_format', 'img_passwd', 'img_properties'];

/** Why the real-Ganeti test cannot run here (not root, no namespaces), or null when it can. */
export function ganetiUnavailable(): string | null {
  if (!isRoot()) return 'it must run as root (network, mount and pid namespaces)';
  const r = spawnSync(
    'unshare',
    ['--net', '--uts', '--mount', '--pid', '--mount-proc', '--fork', 'true'],
    { encoding: 'utf8' },
  );
  if (r.error || r.status !== 0) {
    return `unshare cannot create namespaces here: ${r.error?.message ?? r.stderr.trim()}`;
  }
  return null;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A /24 in 10.213.0.0/16 that no host address or route uses. */
function freeSubnet(): string {
  const used = run('ip', ['-o', '-4', 'route', 'show', 'table', 'all']);
  for (let i = 0; i < 64; i++) {
    const net = `10.213.${randomBytes(1)[0]}`;
    if (!used.includes(`${net}.`)) return net;
  }
  throw new Error('no free 10.213.x.0/24 for the Ganeti cluster');
}

/** What a namespace or process left behind, for the teardown assertions. */
export interface Leftovers {
  /** Host pids still inside the cluster's pid namespace or holding its network namespace. */
  processes: number[];
  /** Host mounts under the cluster's temp dir. */
  mounts: string[];
  /** The host end of the veth pair, if it still exists. */
  links: string[];
}

function nsInode(pid: number | string, ns: string): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return null;
  }
}

/** A process's start time (field 22 of /proc/<pid>/stat), or null when it is gone. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * A one-node Ganeti 3 cluster (fake hypervisor) in its own network, UTS, mount and pid
 * namespaces, with its state under a temp dir and its RAPI reached from the host through a veth
 * pair. Hooks run inside the namespace and reach the host through the veth's host address.
 */
export class GanetiCluster {
  readonly rapiUser = 'nefos';
  readonly rapiPassword = randomBytes(12).toString('hex');
  readonly hostAddress: string;
  readonly nodeAddress: string;
  readonly clusterAddress: string;
  readonly nodeName = 'node1.ganeti.test';
  readonly clusterName = 'cluster.ganeti.test';
  private readonly hostLink = `ngh${randomBytes(3).toString('hex')}`;
  private readonly bridge = 'gnt-br0';
  private child: ChildProcess | null = null;
  /** Host pid of the namespace's pid 1 (the script). */
  private nsInit = 0;
  private lines: string[] = [];
  private waiters: Array<() => void> = [];
  private output = '';
  /** Inodes of our namespaces (`net:[4026...]`), read while they exist. */
  namespaces: Partial<Record<(typeof NAMESPACES)[number], string>> = {};
  /** Host pids seen inside the namespaces while they ran, with their start times. */
  readonly seenPids = new Map<number, string>();

  private constructor(readonly root: string) {
    const net = freeSubnet();
    this.hostAddress = `${net}.1`;
    this.nodeAddress = `${net}.2`;
    this.clusterAddress = `${net}.3`;
  }

  get rapiUrl(): string {
    return `https://${this.clusterAddress}:5080`;
  }
  /** Ganeti's job queue as the host sees it (the bind mount's source). */
  get queueDir(): string {
    return join(this.root, 'var/lib/ganeti/queue');
  }
  get hooksDir(): string {
    return join(this.root, 'etc/ganeti/hooks');
  }
  logs(): string {
    return this.output.slice(-8000);
  }

  static async start(): Promise<GanetiCluster> {
    if (!existsSync('/usr/sbin/gnt-cluster') || !existsSync('/etc/default/ganeti')) {
      throw new Error("Debian's ganeti package is not installed (apt-get install ganeti)");
    }
    const root = mkdtempSync(join(tmpdir(), 'nefos-ganeti-'));
    chmodSync(root, 0o755); // Ganeti's daemons run as their own users
    const c = new GanetiCluster(root);
    try {
      c.prepareRoot();
      await c.boot();
      await c.addRapiUser();
    } catch (err) {
      await c.stop();
      c.remove();
      throw new Error(`${(err as Error).message}\n--- ganeti ---\n${c.logs()}`);
    }
    return c;
  }

  private prepareRoot(): void {
    const r = this.root;
    for (const d of ['etc/default', 'var/lib/ganeti', 'var/log/ganeti', 'run/ganeti']) {
      mkdirSync(join(r, d), { recursive: true });
    }
    // /etc/ganeti holds the package's links to its version (lib, share): start from a copy.
    cpSync('/etc/ganeti', join(r, 'etc/ganeti'), { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(r, 'etc/ganeti/file-storage-paths'), '/srv/ganeti/file-storage\n');
    mkdirSync(join(r, 'srv/ganeti/file-storage'), { recursive: true });
    // Debian binds RAPI to 127.0.0.1; the host reaches it through the veth.
    const defaults = readFileSync('/etc/default/ganeti', 'utf8').replace(
      /^RAPI_ARGS=.*$/m,
      'RAPI_ARGS="-b 0.0.0.0 --require-authentication"',
    );
    writeFileSync(join(r, 'etc/default/ganeti'), defaults);
    writeFileSync(
      join(r, 'etc/hosts'),
      [
        '127.0.0.1 localhost',
        `${this.nodeAddress} ${this.nodeName} node1`,
        `${this.clusterAddress} ${this.clusterName} cluster`,
        '',
      ].join('\n'),
    );
    // The OS our API installs: Ganeti's OS API 20 with snf-image's parameters; the scripts only
    // leave a note in the disk (the fake hypervisor boots nothing).
    const os = join(r, 'srv/ganeti/os', OS_NAME);
    mkdirSync(os, { recursive: true });
    writeFileSync(join(os, 'ganeti_api_version'), '20\n');
    writeFileSync(join(os, 'variants.list'), 'default\n');
    writeFileSync(
      join(os, 'parameters.list'),
      OS_PARAMETERS.map((p) => `${p} set by Nefos`).join('\n') + '\n',
    );
    const script = [
      '#!/bin/sh',
      'set -e',
      '[ -n "$DISK_0_PATH" ] && echo "nefos-image $OSP_IMG_ID for $INSTANCE_NAME" > "$DISK_0_PATH"',
      'exit 0',
      '',
    ].join('\n');
    for (const s of ['create', 'import', 'export', 'rename', 'verify']) {
      writeFileSync(join(os, s), s === 'create' ? script : '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    }
  }

  private async boot(): Promise<void> {
    const child = spawn(
      'unshare',
      [
        '--net',
        '--uts',
        '--mount',
        '--pid',
        '--mount-proc',
        '--propagation',
        'private',
        '--fork',
        '--kill-child',
        'bash',
        SCRIPT,
        this.root,
        this.nodeName,
        this.nodeAddress,
        this.clusterName,
        this.bridge,
        'gnt0',
        '24',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.on('exit', (code, signal) => {
      this.output += `\n[namespace exited: ${code ?? signal}]\n`;
      for (const w of this.waiters.splice(0)) w();
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.output += `${line}\n`;
      this.lines.push(line.trim());
      for (const w of this.waiters.splice(0)) w();
    });
    await this.expect('ready', 30_000);
    this.nsInit = this.initPid();
    for (const ns of NAMESPACES) {
      const inode = nsInode(this.nsInit, ns);
      if (inode) this.namespaces[ns] = inode;
    }
    run('ip', [
      'link',
      'add',
      this.hostLink,
      'type',
      'veth',
      'peer',
      'name',
      'gnt0',
      'netns',
      String(child.pid),
    ]);
    run('ip', ['addr', 'add', `${this.hostAddress}/24`, 'dev', this.hostLink]);
    run('ip', ['link', 'set', this.hostLink, 'up']);
    child.stdin!.write('go\n');
    await this.expect('up', 180_000);
    this.recordPids();
  }

  /** The namespace's pid 1 (the script) as the host numbers it. */
  private initPid(): number {
    const pid = this.child!.pid!;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return Number(children.split(/\s+/)[0]);
  }

  private expect(line: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Ganeti namespace: no "${line}" within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      const check = (): void => {
        if (this.lines.includes(line)) {
          clearTimeout(timer);
          resolve();
        } else if (this.child!.exitCode !== null || this.child!.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`Ganeti namespace exited before "${line}"`));
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  /** A write user for RAPI (Ganeti re-reads the users file when it changes). */
  private async addRapiUser(): Promise<void> {
    const dir = join(this.root, 'var/lib/ganeti/rapi');
    const file = join(dir, 'users');
    // Owned by RAPI's user before the line goes in: ganeti-rapi reads the file on each change
    // and would keep a root-owned first version's "permission denied".
    writeFileSync(file, '', { mode: 0o640 });
    const { uid, gid } = this.owner(dir);
    chownSync(file, uid, gid);
    appendFileSync(file, `${this.rapiUser} {cleartext}${this.rapiPassword} write\n`);
    const rapi = this.rapi();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const err = await rapi.info().then(
        () => null,
        (e: Error) => e,
      );
      if (!err) return;
      if (Date.now() > deadline)
        throw new Error(`Ganeti RAPI did not accept our user: ${err.message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  private owner(path: string): { uid: number; gid: number } {
    const out = run('stat', ['-c', '%u %g', path]).trim().split(' ').map(Number);
    return { uid: out[0], gid: out[1] };
  }

  /** Runs a command inside the cluster's namespaces (e.g. `gnt-job archive`); returns stdout. */
  exec(cmd: string, ...args: string[]): string {
    return run('nsenter', [
      `--target=${this.nsInit}`,
      '--mount',
      '--uts',
      '--net',
      '--pid',
      '--',
      cmd,
      ...args,
    ]);
  }

  /** Our RAPI client, as the API and eventd use it against this cluster. */
  rapi(): RapiClient {
    return new RapiClient({
      url: this.rapiUrl,
      user: this.rapiUser,
      password: this.rapiPassword,
      timeoutMs: 10_000,
      retries: 0,
    });
  }

  /** Host pids of every process in our pid namespace right now (recorded for the leftovers check). */
  recordPids(): number[] {
    const pids = this.pidsIn();
    for (const p of pids) {
      const started = startTime(p);
      if (started) this.seenPids.set(p, started);
    }
    return pids;
  }

  private pidsIn(): number[] {
    const out: number[] = [];
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      const pid = nsInode(e, 'pid');
      const net = nsInode(e, 'net');
      if (
        (pid && pid === this.namespaces.pid) ||
        (net && net === this.namespaces.net && Number(e) !== process.pid)
      ) {
        out.push(Number(e));
      }
    }
    return out;
  }

  /** Stops Ganeti's daemons (daemon-util stop-all, then pid files) and waits for the namespace to end. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      if (this.namespaces.pid) this.recordPids();
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end('stop\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      await exited;
      clearTimeout(timer);
    }
    spawnSync('ip', ['link', 'del', this.hostLink]); // gone with the netns already, normally
  }

  /** What is still there after stop(): must be nothing. */
  leftovers(): Leftovers {
    // The same pid with the same start time: the very process (pids get reused).
    const alive = [...this.seenPids].filter(([p, t]) => startTime(p) === t).map(([p]) => p);
    const inNs = this.namespaces.pid || this.namespaces.net ? this.pidsIn() : [];
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l.includes(this.root));
    const links = spawnSync('ip', ['-o', 'link', 'show', this.hostLink], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean);
    return { processes: [...new Set([...alive, ...inNs])], mounts, links };
  }

  /** Removes the temp dir (after stop()). */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
