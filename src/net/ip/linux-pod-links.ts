// PodLinks on Linux (issue #12): iproute2 inside the pod's namespace through nsenter, since
// CNI_NETNS is a path (containerd keeps it under its state dir, not /run/netns).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { PodLinkSpec, PodLinks } from '../../cni/pod-links.js';
import { CNI_CODE, CniError } from '../../cni/cni-error.js';

export class LinuxPodLinks implements PodLinks {
  async setUpPodEnd(s: PodLinkSpec): Promise<void> {
    await run('ip', ['link', 'set', s.peerName, 'netns', s.netns]);
    const inPod = (args: string[]): Promise<string> => run('nsenter', [`--net=${s.netns}`, 'ip', ...args]);
    await inPod(['link', 'set', s.peerName, 'name', s.ifname]);
    const isV6 = s.address.includes(':');
    await inPod(['addr', 'add', s.address, 'dev', s.ifname, ...(isV6 ? ['nodad'] : [])]);
    await inPod(['link', 'set', s.ifname, 'up']);
    for (const r of s.routes) {
      const family = r.dst.includes(':') ? '-6' : '-4';
      await inPod([family, 'route', 'replace', r.dst, ...(r.gw ? ['via', r.gw] : []), 'dev', s.ifname]);
    }
  }

  async hasPodLink(netns: string, ifname: string, mac: string): Promise<boolean> {
    if (!existsSync(netns)) return false;
    try {
      const rows = JSON.parse(await run('nsenter', [`--net=${netns}`, 'ip', '-j', 'link', 'show', 'dev', ifname])) as Array<{ address?: string }>;
      return rows[0]?.address === mac;
    } catch {
      return false; // no such device in the pod
    }
  }

  isNetnsPresent(netns: string): boolean {
    return netns !== '' && existsSync(netns);
  }
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new CniError(CNI_CODE.attachFailed, `${bin} ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}
