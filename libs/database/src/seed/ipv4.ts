/** IPv4 helpers for address pools (no dependency: a few lines of arithmetic). */
export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { network: number; prefix: number; size: number } {
  const [ip, p] = cidr.split('/');
  const prefix = Number(p);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32)
    throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return { network: (ipToInt(ip) & mask) >>> 0, prefix, size: 2 ** (32 - prefix) };
}

/** The first usable host address (skipping the network address), plus `offset`. */
export function firstHost(cidr: string, offset = 0): string {
  const { network, size } = parseCidr(cidr);
  return intToIp(network + (size > 2 ? 1 : 0) + offset);
}

/** The last usable host address (before the broadcast address). */
export function lastHost(cidr: string): string {
  const { network, size } = parseCidr(cidr);
  return intToIp(network + size - (size > 2 ? 2 : 1));
}

export function cidrContains(cidr: string, ip: string): boolean {
  const { network, size } = parseCidr(cidr);
  const n = ipToInt(ip);
  return n >= network && n < network + size;
}
