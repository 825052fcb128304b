import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, normalize, sep } from 'node:path';
import { Injectable } from '@nestjs/common';

/** URLs of the console page; `vnc_auto.html` and `vnc_lite.html` are the names Nova's URLs used. */
export const PAGE_PATHS = new Set(['/vnc.html', '/vnc_auto.html', '/vnc_lite.html']);
export const NOVNC_PREFIX = '/novnc/';

const SERVED_DIRS = ['core', 'vendor'];

/**
 * The console page and the noVNC client modules, read from the installed `@novnc/novnc` package
 * (upgrading the package upgrades the client; nothing is copied into this repository).
 */
@Injectable()
export class NovncAssets {
  readonly root: string;
  private readonly page: Buffer;
  private readonly pageHashes: { script: string; style: string };
  private readonly cache = new Map<string, { body: Buffer; etag: string }>();

  constructor() {
    // The package exports only core/rfb.js; its root is two levels up.
    this.root = dirname(dirname(require.resolve('@novnc/novnc')));
    this.page = readFileSync(join(__dirname, 'vnc.html'));
    const html = this.page.toString('utf8');
    this.pageHashes = { script: inlineHash(html, 'script'), style: inlineHash(html, 'style') };
  }

  servePage(req: IncomingMessage, res: ServerResponse): void {
    const host = safeHost(req.headers.host);
    const connect = host ? `'self' ws://${host} wss://${host}` : `'self'`;
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': [
        "default-src 'none'",
        `script-src 'self' '${this.pageHashes.script}'`,
        `style-src '${this.pageHashes.style}'`,
        'img-src data: blob:',
        `connect-src ${connect}`,
        "base-uri 'none'",
        "form-action 'none'",
      ].join('; '),
    });
    res.end(req.method === 'HEAD' ? undefined : this.page);
  }

  /** Serves `/novnc/core/...` and `/novnc/vendor/...`; false when the path is not one of them. */
  serveModule(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    let rel: string;
    try {
      rel = normalize(decodeURIComponent(pathname.slice(NOVNC_PREFIX.length)));
    } catch {
      return false;
    }
    if (!rel.endsWith('.js') || !SERVED_DIRS.some((d) => rel.startsWith(d + sep))) return false;
    const file = join(this.root, rel);
    if (!file.startsWith(this.root + sep)) return false;
    let asset = this.cache.get(file);
    if (!asset) {
      try {
        if (!statSync(file).isFile()) return false;
      } catch {
        return false;
      }
      const body = readFileSync(file);
      asset = { body, etag: `"${createHash('sha1').update(body).digest('hex')}"` };
      this.cache.set(file, asset);
    }
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, { ETag: asset.etag });
      res.end();
      return true;
    }
    res.writeHead(200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=3600',
      ETag: asset.etag,
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  }
}

/** CSP source for the one inline `<tag>` of the page. */
function inlineHash(html: string, tag: 'script' | 'style'): string {
  const m = html.match(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`));
  if (!m) throw new Error(`console page has no inline <${tag}>`);
  return `sha256-${createHash('sha256').update(m[1]).digest('base64')}`;
}

/** The Host header, if it is a plain host[:port] (it ends up in a response header). */
function safeHost(host: string | undefined): string | null {
  return host && /^[A-Za-z0-9.\-[\]:]+$/.test(host) ? host : null;
}
