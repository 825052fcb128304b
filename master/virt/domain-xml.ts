export interface DomainDiskSpec {
  path: string;
  format: 'qcow2' | 'raw';
  bus: 'virtio' | 'ide' | 'scsi';
  readonly: boolean;
}

export interface DomainNicSpec {
  mac: string;
  mode: 'bridged' | 'routed' | 'openvswitch';
  /** Bridge name (bridged/openvswitch), routing table (routed), or `libvirt:<network>`. */
  link: string;
  /** Host-side device name for routed (tap) NICs. */
  tap: string;
  model: string;
}

export interface DomainSpec {
  name: string;
  uuid: string;
  domainType: 'kvm' | 'qemu' | 'test';
  memoryMiB: number;
  vcpus: number;
  boot:
    { kind: 'kernel'; kernel: string; initrd: string | null; cmdline: string } | { kind: 'disk' };
  acpi: boolean;
  machine: string;
  cpuModel: string;
  disks: DomainDiskSpec[];
  nics: DomainNicSpec[];
  /** VNC on `listen`; a fixed `port`, or null to let libvirt pick a free one. */
  vnc: { listen: string; port: number | null } | null;
  /** File the first serial port is logged to. */
  serialLog: string | null;
}

const esc = (s: string | number): string =>
  String(s).replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

const DEVS = { virtio: 'vd', ide: 'hd', scsi: 'sd' } as const;

/** libvirt domain XML for an instance: what Ganeti's KVM hypervisor would run, through libvirt. */
export function domainXml(spec: DomainSpec): string {
  const lines: string[] = [];
  const add = (s: string): number => lines.push(s);
  add(`<domain type='${spec.domainType}'>`);
  add(`  <name>${esc(spec.name)}</name>`);
  add(`  <uuid>${esc(spec.uuid)}</uuid>`);
  add(`  <memory unit='MiB'>${spec.memoryMiB}</memory>`);
  add(`  <currentMemory unit='MiB'>${spec.memoryMiB}</currentMemory>`);
  add(`  <vcpu>${spec.vcpus}</vcpu>`);
  add('  <os>');
  if (spec.domainType === 'test') add('    <type>hvm</type>');
  else
    add(
      `    <type arch='x86_64'${spec.machine ? ` machine='${esc(spec.machine)}'` : ''}>hvm</type>`,
    );
  if (spec.boot.kind === 'kernel') {
    add(`    <kernel>${esc(spec.boot.kernel)}</kernel>`);
    if (spec.boot.initrd) add(`    <initrd>${esc(spec.boot.initrd)}</initrd>`);
    add(`    <cmdline>${esc(spec.boot.cmdline)}</cmdline>`);
  } else {
    add("    <boot dev='hd'/>");
  }
  add('  </os>');
  if (spec.acpi) add('  <features><acpi/><apic/></features>');
  if (spec.cpuModel && spec.domainType !== 'test') {
    add(
      spec.cpuModel === 'host'
        ? "  <cpu mode='host-passthrough'/>"
        : `  <cpu mode='custom' match='exact'><model fallback='allow'>${esc(spec.cpuModel)}</model></cpu>`,
    );
  }
  add("  <clock offset='utc'/>");
  add('  <on_poweroff>destroy</on_poweroff>');
  add('  <on_reboot>restart</on_reboot>');
  add('  <on_crash>destroy</on_crash>');
  add('  <devices>');
  const used: Record<string, number> = {};
  for (const d of spec.disks) {
    const prefix = DEVS[d.bus];
    const index = (used[prefix] = (used[prefix] ?? -1) + 1);
    add("    <disk type='file' device='disk'>");
    add(`      <driver name='qemu' type='${d.format}' cache='none'/>`);
    add(`      <source file='${esc(d.path)}'/>`);
    add(`      <target dev='${prefix}${String.fromCharCode(97 + index)}' bus='${d.bus}'/>`);
    if (d.readonly) add('      <readonly/>');
    add('    </disk>');
  }
  for (const n of spec.nics) {
    if (n.link.startsWith('libvirt:')) {
      add("    <interface type='network'>");
      add(`      <source network='${esc(n.link.slice('libvirt:'.length))}'/>`);
    } else if (n.mode === 'routed') {
      add("    <interface type='ethernet'>");
      add(`      <target dev='${esc(n.tap)}' managed='yes'/>`);
    } else {
      add("    <interface type='bridge'>");
      add(`      <source bridge='${esc(n.link)}'/>`);
      if (n.mode === 'openvswitch') add("      <virtualport type='openvswitch'/>");
    }
    add(`      <mac address='${esc(n.mac)}'/>`);
    add(`      <model type='${esc(n.model)}'/>`);
    add('    </interface>');
  }
  if (spec.serialLog) {
    add("    <serial type='file'>");
    add(`      <source path='${esc(spec.serialLog)}' append='on'/>`);
    add("      <target port='0'/>");
    add('    </serial>');
  }
  if (spec.vnc) {
    const port =
      spec.vnc.port === null ? "port='-1' autoport='yes'" : `port='${spec.vnc.port}' autoport='no'`;
    add(`    <graphics type='vnc' ${port} listen='${esc(spec.vnc.listen)}'/>`);
    add("    <video><model type='vga'/></video>");
  }
  add('  </devices>');
  add('</domain>');
  return lines.join('\n') + '\n';
}

/** The VNC port of a running domain from its live XML, or null. */
export function vncPortFromXml(xml: string): number | null {
  const m = /<graphics\b[^>]*\btype='vnc'[^>]*>/.exec(xml);
  if (!m) return null;
  const port = /\bport='(-?\d+)'/.exec(m[0]);
  const n = port ? Number(port[1]) : -1;
  return n > 0 ? n : null;
}
