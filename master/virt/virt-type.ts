import { readFileSync } from 'node:fs';

/** `kvm` only where the CPU offers hardware virtualisation (vmx/svm); otherwise QEMU's TCG. */
export function detectVirtType(cpuinfo = '/proc/cpuinfo'): 'kvm' | 'qemu' {
  try {
    return /^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync(cpuinfo, 'utf8')) ? 'kvm' : 'qemu';
  } catch {
    return 'qemu';
  }
}
