// PodLinks on Linux (issue #12): iproute2 inside the pod's namespace through nsenter, since
// CNI_NETNS is a path (containerd keeps it under its state dir, not /run/netns).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { PodLinkSpec, PodLinks } from '../../cni/pod-links.js';
import { CNI_CODE, CniError } from '../../cni/cni-error.js';

export class LinuxPodLinks implements PodLinks {
  async setUpPodEnd(s: PodLinkSpec): Promise<void> {
    await run('ip', ['link', 'set', s.peerName, 'netns', s.netns]);
    // Everything inside the pod in one `ip -batch` (in order; it stops at the first failure):
    // every exec of nsenter and ip costs a few milliseconds of the ADD.
    const isV6 = s.address.includes(':');
    const lines = [
      `link set ${s.peerName} name ${s.ifname}`,
      `addr add ${s.address} dev ${s.ifname}${isV6 ? ' nodad' : ''}`,
      `link set ${s.ifname} up`,
      // batch lines take no -4/-6; the family follows from the CIDR (never "default" here)
      ...s.routes.map((r) => `route replace ${r.dst}${r.gw ? ` via ${r.gw}` : ''} dev ${s.ifname}`),
    ];
    await run('nsenter', [`--net=${s.netns}`, 'ip', '-batch', '-'], `${lines.join('\n')}\n`);
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

/** Runs a command (with `input` on its stdin for ip -batch); a failure names the command and its stderr. */
function run(bin: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
      const what = input === undefined ? args.join(' ') : `${args.join(' ')} (${input.trim().replace(/\n/g, '; ')})`;
      if (err) reject(new CniError(CNI_CODE.attachFailed, `${bin} ${what}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}
