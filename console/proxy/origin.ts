/**
 * Whether a browser at `origin` may open consoles: the proxy's own page (same Host, or the
 * configured public URL) and configured dashboards. Clients that send no Origin are not browsers
 * (a page cannot omit it), and the token still has to be valid for them.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  publicUrl: string,
  allowed: string[],
): boolean {
  if (origin === undefined) return true;
  if (!URL.canParse(origin)) return false;
  const o = new URL(origin);
  if (host && o.host === host.toLowerCase()) return true;
  if (o.origin === new URL(publicUrl).origin) return true;
  return allowed.includes(o.origin);
}

/** Opaque tokens are 32 random bytes in base64url. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The console token of a WebSocket request: `?token=` on `/websockify` or `/`. */
export function tokenFromUrl(url: URL): string | null {
  return url.searchParams.get('token');
}

export const WEBSOCKET_PATHS = new Set(['/', '/websockify']);
