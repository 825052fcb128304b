import { domainXml, vncPortFromXml, type DomainSpec } from './domain-xml';

const spec: DomainSpec = {
  name: 'nefos-1',
  uuid: '0e83e487-268f-4615-b0ba-d511a1003fde',
  domainType: 'qemu',
  memoryMiB: 256,
  vcpus: 2,
  boot: {
    kind: 'kernel',
    kernel: '/img/vmlinuz',
    initrd: '/img/initrd.img',
    cmdline: 'console=ttyS0',
  },
  acpi: true,
  machine: '',
  cpuModel: '',
  disks: [{ path: '/s/n1/nefos-1/disk0.qcow2', format: 'qcow2', bus: 'virtio', readonly: false }],
  nics: [
    { mac: 'aa:00:00:00:00:01', mode: 'routed', link: 'rt', tap: 'nfabc0', model: 'virtio' },
    { mac: 'aa:00:00:00:00:02', mode: 'bridged', link: 'br0', tap: 'nfabc1', model: 'e1000' },
    {
      mac: 'aa:00:00:00:00:03',
      mode: 'bridged',
      link: 'libvirt:default',
      tap: 'nfabc2',
      model: 'virtio',
    },
  ],
  vnc: { listen: '127.0.0.1', port: null },
  serialLog: '/s/n1/nefos-1/serial.log',
};

describe('domainXml', () => {
  it('describes the instance as a libvirt domain with ACPI, disks, NICs, VNC and a serial log', () => {
    const xml = domainXml(spec);
    expect(xml).toContain("<domain type='qemu'>");
    expect(xml).toContain("<memory unit='MiB'>256</memory>");
    expect(xml).toContain('<vcpu>2</vcpu>');
    expect(xml).toContain('<kernel>/img/vmlinuz</kernel>');
    expect(xml).toContain('<features><acpi/><apic/></features>');
    expect(xml).toContain("<driver name='qemu' type='qcow2' cache='none'/>");
    expect(xml).toContain("<target dev='vda' bus='virtio'/>");
    expect(xml).toMatch(
      /<interface type='ethernet'>\s*<target dev='nfabc0' managed='yes'\/>\s*<mac address='aa:00:00:00:00:01'\/>/,
    );
    expect(xml).toMatch(/<interface type='bridge'>\s*<source bridge='br0'\/>/);
    expect(xml).toMatch(/<interface type='network'>\s*<source network='default'\/>/);
    expect(xml).toContain("<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>");
    expect(xml).toContain("<source path='/s/n1/nefos-1/serial.log' append='on'/>");
  });

  it('escapes values and reads the VNC port back from live XML', () => {
    expect(domainXml({ ...spec, name: "a'<b>" })).toContain('<name>a&#39;&#60;b&#62;</name>');
    expect(
      vncPortFromXml("<graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'>"),
    ).toBe(5901);
    expect(vncPortFromXml("<graphics type='vnc' port='-1' autoport='yes'>")).toBeNull();
  });
});
