// The interfaces `zerotier-cli dump` lists on Linux (06 §6.2): those SIOCGIFCONF names — one
// entry per IPv4 address, at most 25 (its 1 KiB buffer) — minus loopback, each with its MTU,
// MAC and every address (IPv4 and IPv6) the system reports for that name.
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import type { DumpInterface } from './dump-format.js';

/** 1024-byte buffer / sizeof(struct ifreq) (40 on 64-bit Linux). */
const MAX_IFCONF_ENTRIES = 25;

function mtuOf(name: string): number | null {
  try {
    // An alias label (eth0:1) has the MTU of its device.
    const mtu = Number(readFileSync(`/sys/class/net/${name.split(':')[0]}/mtu`, 'utf8').trim());
    return Number.isInteger(mtu) ? mtu : null;
  } catch {
    return null; // gone since it was listed: 1.14.1 leaves the line out when its ioctl fails
  }
}

export function listDumpInterfaces(): DumpInterface[] {
  const all = networkInterfaces();
  const entries: Array<{ name: string; isLoopback: boolean }> = [];
  for (const [name, addrs] of Object.entries(all)) {
    for (const a of addrs ?? []) if (a.family === 'IPv4') entries.push({ name, isLoopback: a.internal });
  }
  return entries
    .slice(0, MAX_IFCONF_ENTRIES)
    .filter((e) => !e.isLoopback)
    .map((e) => {
      const addrs = all[e.name] ?? [];
      return { name: e.name, mtu: mtuOf(e.name), mac: addrs[0]?.mac ?? null, addresses: addrs.map((a) => a.address) };
    });
}
