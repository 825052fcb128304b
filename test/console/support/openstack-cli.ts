import { execFile } from 'node:child_process';

export interface OpenStackCredentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
}

/** Runs Debian's `/usr/bin/openstack` (the real client) and parses its `-f json` output. */
export function openstack(
  creds: OpenStackCredentials,
  args: string[],
  { json = true, timeoutMs = 300000 }: { json?: boolean; timeoutMs?: number } = {},
): Promise<unknown> {
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    OS_AUTH_URL: creds.authUrl,
    OS_USERNAME: creds.username,
    OS_PASSWORD: creds.password,
    OS_PROJECT_NAME: creds.projectName,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_IDENTITY_API_VERSION: '3',
    OS_INTERFACE: 'public',
  };
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/openstack',
      json ? [...args, '-f', 'json'] : args,
      { env, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`openstack ${args.join(' ')} failed: ${stderr || err.message}`));
          return;
        }
        resolve(json && stdout.trim() ? JSON.parse(stdout) : stdout);
      },
    );
  });
}
