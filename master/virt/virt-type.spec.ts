import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectVirtType } from './virt-type';

describe('detectVirtType', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpuinfo-'));
  const cpuinfo = (flags: string): string => {
    const f = join(dir, `cpuinfo-${flags.length}`);
    writeFileSync(f, `processor\t: 0\nflags\t\t: fpu ${flags} sse2\n`);
    return f;
  };

  it('uses kvm only when the CPU offers vmx or svm', () => {
    expect(detectVirtType(cpuinfo('vme vmx'))).toBe('kvm');
    expect(detectVirtType(cpuinfo('svm lm'))).toBe('kvm');
    expect(detectVirtType(cpuinfo('hypervisor'))).toBe('qemu');
    expect(detectVirtType(join(dir, 'missing'))).toBe('qemu');
  });
});
