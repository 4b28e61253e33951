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
const SIXPLANE_HOST_ADDRESS = 'fe80::1/64';

/** A row of `ip -j -d link show`. */
interface LinkRow {
  ifname: string;
  address: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}

export class LinuxContainerLinks implements ContainerLinks {
  private readonly ipBin: string;

  constructor(ipBin = 'ip') {
    this.ipBin = ipBin;
  }

  async ensureBridge(bridge: string, tap: string, mtu: number): Promise<void> {
    const links = await this.links();
    const br = links.find((l) => l.ifname === bridge);
    if (!br) {
      // No STP and no forwarding delay: the bridge carries a LAN segment, never a loop.
      await this.ip(['link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    } else if (br.linkinfo?.info_kind !== 'bridge') {
      throw new PluginError('docker_host', `${bridge} exists and is not a bridge; it is not ours to change`);
    }
    const t = links.find((l) => l.ifname === tap);
    if (!t) throw new PluginError('docker_host', `the TAP ${tap} does not exist`);
    if (t.master !== bridge) await this.ip(['link', 'set', tap, 'master', bridge]);
    // The member's MAC: the host's own frames leave through the bridge, and a bridge left to
    // itself takes the lowest MAC among its ports (a container's veth, at times).
    const mac = br?.address !== t.address ? ['address', t.address] : [];
    await this.ip(['link', 'set', bridge, ...mac, 'mtu', String(mtu), 'up']);
  }

  async removeBridge(bridge: string): Promise<void> {
    await this.ip(['link', 'del', bridge, 'type', 'bridge'], GONE_LINK);
  }

  async createVeth(v: VethSpec): Promise<void> {
    await this.removeLink(v.hostName); // a pair left by an earlier attempt
    await this.ip(['link', 'add', v.hostName, 'mtu', String(v.mtu), 'type', 'veth', 'peer', 'name', v.peerName, 'mtu', String(v.mtu), 'address', v.peerMac]);
    try {
      if (v.bridge) await this.ip(['link', 'set', v.hostName, 'master', v.bridge]);
      await this.ip(['link', 'set', v.hostName, 'up']);
    } catch (e) {
      await this.removeLink(v.hostName);
      throw e;
    }
  }

  async removeLink(name: string): Promise<void> {
    await this.ip(['link', 'del', name], GONE_LINK);
  }

  async linkNames(): Promise<Set<string>> {
    return new Set((JSON.parse((await this.ip(['-j', 'link', 'show'])) || '[]') as LinkRow[]).map((l) => l.ifname));
  }

  async routeToContainer(hostName: string, ip6: string): Promise<void> {
    await this.ip(['addr', 'replace', SIXPLANE_HOST_ADDRESS, 'dev', hostName, 'nodad']);
    await this.ip(['-6', 'route', 'replace', `${ip6}/128`, 'dev', hostName]);
  }

  isIpv6Forwarding(): boolean {
    try {
      return readFileSync('/proc/sys/net/ipv6/conf/all/forwarding', 'utf8').trim() === '1';
    } catch {
      return false; // no IPv6 at all
    }
  }

  private async links(): Promise<LinkRow[]> {
    return JSON.parse((await this.ip(['-j', '-d', 'link', 'show'])) || '[]') as LinkRow[];
  }

  /** Runs `ip`; a failure whose stderr matches `absent` counts as done. */
  private ip(args: string[], absent?: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.ipBin, args, { encoding: 'utf8', timeout: 10_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err && absent?.test(stderr)) resolve('');
        else if (err) reject(new PluginError('docker_host', `ip ${args.join(' ')}: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      });
    });
  }
}
