/**
 * The URL a user opens: the proxy's noVNC page with the WebSocket path (carrying the token) in
 * `path`, the parameter noVNC's own pages read too.
 */
export function novncConsoleUrl(publicUrl: string, token: string): string {
  const path = `websockify?token=${token}`;
  return `${publicUrl.replace(/\/+$/, '')}/vnc.html?path=${encodeURIComponent(path)}`;
}
