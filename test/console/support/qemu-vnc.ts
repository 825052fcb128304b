import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

export interface QemuVnc {
  host: string;
  port: number;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/**
 * A real VNC server: QEMU with no disk (SeaBIOS draws its screen), TCG, VNC on 127.0.0.1.
 * Used where the test needs a VNC endpoint but not a whole Nefos guest.
 */
export async function startQemuVnc(): Promise<QemuVnc> {
  let display = 10 + Math.floor(Math.random() * 80);
  while (!(await portFree(5900 + display))) display++;
  const port = 5900 + display;
  const child: ChildProcess = spawn(
    'qemu-system-x86_64',
    ['-display', 'none', '-vnc', `127.0.0.1:${display}`, '-machine', 'accel=tcg', '-m', '64'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 200 && !(await answers(port)); i++) {
    if (child.exitCode !== null) throw new Error(`qemu exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: '127.0.0.1',
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
