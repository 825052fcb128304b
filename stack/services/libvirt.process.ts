import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { commandExists, isRoot, waitFor } from './process-utils';

const SOCKET = '/run/libvirt/libvirt-sock';
const PID_FILES = { libvirtd: '/run/libvirtd.pid', virtlogd: '/run/virtlogd.pid' } as const;

export function qemuInstalled(): boolean {
  return existsSync('/usr/sbin/libvirtd') && commandExists('qemu-system-x86_64');
}

function socketAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(SOCKET)) return resolve(false);
    const s = connect(SOCKET);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function pidAlive(file: string): boolean {
  if (!existsSync(file)) return false;
  const pid = Number(readFileSync(file, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * These machines have no systemd: start virtlogd and libvirtd by hand when they are not running.
 * Returns a stop function for the daemons we started (and only those), or null when they were running.
 */
export async function ensureLibvirtd(log: (m: string) => void): Promise<(() => void) | null> {
  if (await socketAnswers()) return null;
  if (!isRoot()) throw new Error('libvirtd is not running and only root can start it');
  mkdirSync('/var/log/libvirt', { recursive: true });
  try {
    execFileSync('getent', ['passwd', 'libvirt-qemu'], { stdio: 'ignore' });
  } catch {
    // The QEMU driver refuses to load without this user.
    execFileSync(
      'sh',
      [
        '-c',
        'getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu; useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu',
      ],
      { stdio: 'ignore' },
    );
  }
  const conf = '/etc/libvirt/qemu.conf';
  // /dev/kvm and our storage dir are root-only here. Some installs lack the file altogether.
  const text = existsSync(conf) ? readFileSync(conf, 'utf8') : '';
  if (!/^user\s*=\s*"root"/m.test(text)) {
    mkdirSync('/etc/libvirt', { recursive: true });
    writeFileSync(conf, `${text}\nuser = "root"\ngroup = "root"\n`);
  }
  const started: Array<keyof typeof PID_FILES> = [];
  for (const daemon of ['virtlogd', 'libvirtd'] as const) {
    if (pidAlive(PID_FILES[daemon])) continue;
    log(`starting ${daemon}`);
    execFileSync(`/usr/sbin/${daemon}`, ['--daemon', '--pid-file', PID_FILES[daemon]], {
      stdio: 'ignore',
    });
    started.push(daemon);
  }
  await waitFor('libvirtd socket', 30000, socketAnswers);
  return () => {
    for (const daemon of started.reverse()) {
      try {
        process.kill(Number(readFileSync(PID_FILES[daemon], 'utf8').trim()), 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
}
