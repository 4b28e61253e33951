// HostNet on Linux: reads with os.networkInterfaces() (getifaddrs, as 1.14.1's
// EthernetTap::ips) and /proc/net/dev_mcast; changes with iproute2's `ip` (06 §8.6–8.7). The
// kernel's own answer decides: an `ip` failure rejects with its stderr.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { ipToString, parseIp } from '../../protocol/inet-address.js';
import { MANAGED_ROUTE_METRIC, type HostNet, type KernelRoute } from './host-net.js';
import { parsePrefix, prefixToString, sortUniquePrefixes, type IpPrefix } from './prefix.js';

export interface LinuxHostNetOptions {
  /** The iproute2 binary; default `ip` on PATH. */
  ip?: string;
  /** Where the device multicast list is read; default /proc/net/dev_mcast. */
  devMcastPath?: string;
}

export class LinuxHostNet implements HostNet {
  private readonly ipBin: string;
  private readonly devMcastPath: string;

  constructor(opts: LinuxHostNetOptions = {}) {
    this.ipBin = opts.ip ?? 'ip';
    this.devMcastPath = opts.devMcastPath ?? '/proc/net/dev_mcast';
  }

  interfaceExists(name: string): boolean {
    return existsSync(`/proc/sys/net/ipv4/conf/${name}`);
  }

  addresses(dev: string): IpPrefix[] {
    const list = networkInterfaces()[dev] ?? [];
    const out: IpPrefix[] = [];
    for (const a of list) {
      const p = a.cidr ? parsePrefix(a.cidr.replace(/%[^/]*/, '')) : null;
      if (p) out.push(p);
    }
    return sortUniquePrefixes(out);
  }

  multicastMacs(dev: string): number[] {
    let text: string;
    try {
      text = readFileSync(this.devMcastPath, 'utf8');
    } catch {
      return []; // no /proc (or not Linux): only the address-derived groups
    }
    return parseDevMcast(text, dev);
  }

  async addAddress(dev: string, p: IpPrefix): Promise<void> {
    const args = ['addr', 'add', prefixToString(p)];
    if (p.family === 4 && p.bits < 31) args.push('broadcast', '+');
    await this.ip([...args, 'dev', dev]);
  }

  async removeAddress(dev: string, p: IpPrefix): Promise<void> {
    await this.ip(['addr', 'del', prefixToString(p), 'dev', dev], GONE_ADDRESS);
  }

  async routes(dev: string): Promise<KernelRoute[]> {
    const out: KernelRoute[] = [];
    for (const fam of ['-4', '-6'] as const) {
      const text = await this.ip(['-j', fam, 'route', 'show', 'table', 'main', 'dev', dev]);
      out.push(...parseIpRouteJson(text, fam === '-4' ? 4 : 6));
    }
    return out;
  }

  async addRoute(dev: string, r: KernelRoute): Promise<void> {
    await this.ip(['route', 'add', ...routeArgs(dev, r)]);
  }

  async removeRoute(dev: string, r: KernelRoute): Promise<void> {
    // The kernel drops gateway routes itself when the address that reached the gateway goes.
    await this.ip(['route', 'del', ...routeArgs(dev, r)], GONE_ROUTE);
  }

  /** Runs `ip`; a failure whose stderr matches `absent` (the thing is not there) counts as done. */
  private ip(args: string[], absent?: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.ipBin, args, { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
        if (err && absent?.test(stderr)) resolve('');
        else if (err) reject(new Error(`ip ${args.join(' ')}: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      });
    });
  }
}

/** ESRCH: no such route. */
const GONE_ROUTE = /No such process/;
/** EADDRNOTAVAIL: no such address. */
const GONE_ADDRESS = /Cannot assign requested address/;

/** `ip route` arguments after add/del: table main, protocol static, RTA_OIF; gateway routes metric 5000. */
export function routeArgs(dev: string, r: KernelRoute): string[] {
  const args = [prefixToString(r.target)];
  if (r.via) args.push('via', ipToString({ family: r.target.family, ip: r.via, port: 0 }), 'metric', String(MANAGED_ROUTE_METRIC));
  args.push('dev', dev, 'proto', 'static', 'table', 'main');
  return args;
}

/** The groups of `dev` in /proc/net/dev_mcast (2nd field the device, 5th the MAC in 12 hex digits). */
export function parseDevMcast(text: string, dev: string): number[] {
  const out: number[] = [];
  for (const line of text.split(/[\r\n]+/)) {
    const f = line.split(/[ \t]+/).filter((x) => x.length > 0);
    if (f.length >= 5 && f[1] === dev && /^[0-9a-fA-F]{12}$/.test(f[4])) out.push(parseInt(f[4], 16));
  }
  return out;
}

/** `ip -j route show` output: dst "default", "a.b.c.d" (a host route) or "net/bits"; gateway if any. */
export function parseIpRouteJson(text: string, family: 4 | 6): KernelRoute[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const rows = JSON.parse(trimmed) as Array<{ dst?: string; gateway?: string; type?: string }>;
  const out: KernelRoute[] = [];
  for (const r of rows) {
    if (!r.dst || (r.type !== undefined && r.type !== 'unicast')) continue;
    const full = family === 4 ? 32 : 128;
    const target = r.dst === 'default' ? { family, ip: new Uint8Array(family === 4 ? 4 : 16), bits: 0 } : parsePrefix(r.dst.includes('/') ? r.dst : `${r.dst}/${full}`);
    if (!target || target.family !== family) continue;
    const gw = r.gateway ? parseIp(r.gateway) : null;
    out.push({ target, via: gw && gw.family === family ? gw.ip : null });
  }
  return out;
}
