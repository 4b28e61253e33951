// The Docker plugin's host links on Linux, through iproute2 (as LinuxHostNet): a bridge per
// ZeroTier network with the network's TAP as a port, and a veth pair per container whose
// host end joins that bridge (bridge mode) or is routed to (sixplane, 07 §7.3). Removing a
// link that is not there counts as done: the kernel deletes a container's pair with its
// namespace, often before dockerd says so.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ContainerLinks, VethSpec } from '../../docker/ports.js';
import { PluginError } from '../../docker/plugin-error.js';

/** `ip` says so when the device is missing. */
const GONE_LINK = /Cannot find device|does not exist/;
/** `ip link add` says so when a name is taken. */
const EXISTING_LINK = /File exists/;
/** EXFULL from the kernel: the bridge has no free port number left (BR_MAX_PORTS, port 0 reserved). */
const BRIDGE_FULL = /Exchange full/;
const BRIDGE_MAX_PORTS = 1023;
const SIXPLANE_HOST_ADDRESS = 'fe80::1/64';

/** A row of `ip -j -d link show`. */
interface LinkRow {
  ifname: string;
  address: string;
  master?: string;
  mtu?: number;
  flags?: string[];
  linkinfo?: { info_kind?: string };
}

export class LinuxContainerLinks implements ContainerLinks {
  private readonly ipBin: string;

  constructor(ipBin = 'ip') {
    this.ipBin = ipBin;
  }

  async ensureBridge(bridge: string, tap: string, mtu: number): Promise<void> {
    // Only the two devices are read: a node with hundreds of pods has hundreds of links, and
    // this runs on every ADD.
    const br = await this.link(bridge);
    if (!br) {
      // No STP and no forwarding delay: the bridge carries a LAN segment, never a loop.
      await this.ip(['link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    } else if (br.linkinfo?.info_kind !== 'bridge') {
      throw new PluginError('docker_host', `${bridge} exists and is not a bridge; it is not ours to change`);
    }
    const t = await this.link(tap);
    if (!t) throw new PluginError('docker_host', `the TAP ${tap} does not exist`);
    if (t.master !== bridge) await this.ip(['link', 'set', tap, 'master', bridge]);
    // The member's MAC: the host's own frames leave through the bridge, and a bridge left to
    // itself takes the lowest MAC among its ports (a container's veth, at times).
    if (br?.address === t.address && br.mtu === mtu && br.flags?.includes('UP')) return;
    const mac = br?.address !== t.address ? ['address', t.address] : [];
    await this.ip(['link', 'set', bridge, ...mac, 'mtu', String(mtu), 'up']);
  }

  async removeBridge(bridge: string): Promise<void> {
    await this.ip(['link', 'del', bridge, 'type', 'bridge'], GONE_LINK);
  }

  async createVeth(v: VethSpec): Promise<void> {
    // One netlink request makes the pair, puts the host end on its bridge and brings it up:
    // each `ip` run costs a fork and exec of its own, and ADD latency is mostly those.
    const add = ['link', 'add', v.hostName, 'mtu', String(v.mtu), ...(v.bridge ? ['master', v.bridge] : []), 'up', 'type', 'veth', 'peer', 'name', v.peerName, 'mtu', String(v.mtu), 'address', v.peerMac];
    try {
      await this.ip(add);
    } catch (e) {
      if (v.bridge && BRIDGE_FULL.test((e as Error).message)) {
        throw new PluginError('docker_host', `the bridge ${v.bridge} is full: Linux bridges take at most ${BRIDGE_MAX_PORTS} ports (its ZeroTier TAP is one), so no more pods or containers can join it on this host`);
      }
      if (!EXISTING_LINK.test((e as Error).message)) throw e;
      await this.removeLink(v.hostName); // a pair left by an earlier attempt
      await this.removeLink(v.peerName);
      await this.ip(add);
    }
  }

  async removeLink(name: string): Promise<void> {
    await this.ip(['link', 'del', name], GONE_LINK);
  }

  async linkNames(): Promise<Set<string>> {
    return new Set((JSON.parse((await this.ip(['-j', 'link', 'show'])) || '[]') as LinkRow[]).map((l) => l.ifname));
  }

  async routeToContainer(hostName: string, ip6: string): Promise<void> {
    await this.ip(['-batch', '-'], undefined, `addr replace ${SIXPLANE_HOST_ADDRESS} dev ${hostName} nodad\nroute replace ${ip6}/128 dev ${hostName}\n`);
  }

  isIpv6Forwarding(): boolean {
    try {
      return readFileSync('/proc/sys/net/ipv6/conf/all/forwarding', 'utf8').trim() === '1';
    } catch {
      return false; // no IPv6 at all
    }
  }

  /** One device, or null when there is none by that name. */
  private async link(name: string): Promise<LinkRow | null> {
    const rows = JSON.parse((await this.ip(['-j', '-d', 'link', 'show', 'dev', name], GONE_LINK)) || '[]') as LinkRow[];
    return rows[0] ?? null;
  }

  /** Runs `ip` (with `input` on its stdin for -batch); a failure whose stderr matches `absent` counts as done. */
  private ip(args: string[], absent?: RegExp, input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(this.ipBin, args, { encoding: 'utf8', timeout: 10_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        const what = input === undefined ? args.join(' ') : `${args.join(' ')} (${input.trim().replace(/\n/g, '; ')})`;
        if (err && absent?.test(stderr)) resolve('');
        else if (err) reject(new PluginError('docker_host', `ip ${what}: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  }
}
