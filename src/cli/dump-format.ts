// The text of `zerotier-cli dump` (06 §6.2) on Linux: version, the three API bodies as they
// came, local.conf, and the network interfaces. Pure.

export interface DumpInterface {
  name: string;
  /** null where the system would not say (the line is left out, as when the ioctl fails). */
  mtu: number | null;
  mac: string | null;
  addresses: string[];
}

export interface DumpParts {
  status: string;
  networks: string;
  peers: string;
  /** local.conf as read; empty or missing → "None Present". */
  localConf: string;
  interfaces: DumpInterface[];
}

export function formatDump(p: DumpParts): string {
  let out = 'platform: Linux\nzerotier version: 1.14.1\n\n';
  out += `status\n------\n${p.status}\n`;
  out += `\nnetworks\n--------\n${p.networks}\n`;
  out += `\npeers\n-----\n${p.peers}\n`;
  out += `\nlocal.conf\n----------\n${p.localConf.length > 0 ? p.localConf : 'None Present'}\n`;
  out += '\nNetwork Interfaces\n------------------\n\n';
  p.interfaces.forEach((i, n) => {
    out += `Interface ${n}\n-----------\nName: ${i.name}\n`;
    if (i.mtu !== null) out += `MTU: ${i.mtu}\n`;
    if (i.mac !== null) out += `MAC: ${i.mac}\n`;
    // "Addresses: " keeps its trailing space, as 1.14.1 prints it.
    out += 'Addresses: \n' + i.addresses.map((a) => `${a}\n`).join('');
  });
  return out;
}
