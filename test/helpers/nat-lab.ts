// Hosts behind real Linux NATs (nftables masquerade) in namespaces the test creates:
//
//   ns <p>in: "the internet", a router with one link per attachment k (10.N.k.1/24 ↔
//   10.N.k.2/24); no route anywhere else. Attachments are public hosts and NAT routers:
//     public host       10.N.k.2, default route via 10.N.k.1
//     NAT router j      wan 10.N.k.2 ── lan 10.M.j.1 ── host 10.M.j.2 (default route via the NAT)
//
// The internet router matters: ZeroTier's TTL-2 junk must die between the two NATs, as it
// does on a real path. With the NATs on one bridge it would reach the far NAT and leave a
// conntrack entry there that spoils the hole punch.
//
// Linux masquerade keeps the source port when it can and filters by address and port:
// a port-restricted cone, the common home-router case. Names carry the pid; teardown
// removes every namespace (and with them all links), also after a failure.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { NamespaceSet, run } from '../../src/demo/namespace-set.js';

export interface NatLabHost {
  name: string;
  ns: string;
  ip: string;
  /** The address the internet sees: its own for public hosts, the NAT's WAN address otherwise. */
  publicIp: string;
}

export interface NatLab {
  hosts: Record<string, NatLabHost>;
  spawn(h: NatLabHost, cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /** Runs a command inside the host's namespace and returns its standard output. */
  exec(h: NatLabHost, cmd: string, args: string[]): string;
  teardown(): void;
}

export function hasNft(): boolean {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // nftables not installed: callers skip
  }
}

export function natLab(opts: { publicHosts: string[]; natHosts: string[] }): NatLab {
  const p = `ztn${process.pid % 100000}`;
  const net = 60 + (process.pid % 60);
  const lanBase = net + 60;
  const set = new NamespaceSet();
  const teardown = (): void => set.teardown();
  const addNs = (ns: string): void => void set.add(ns);
  /** A veth pair between two namespaces, addressed and up. */
  const link = (nsA: string, ifA: string, nsB: string, ifB: string): void => {
    run(['ip', '-n', nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
    run(['ip', '-n', nsA, 'link', 'set', ifA, 'up']);
    run(['ip', '-n', nsB, 'link', 'set', ifB, 'up']);
  };
  try {
    const inet = `${p}in`;
    addNs(inet);
    run(['ip', 'netns', 'exec', inet, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    let k = 0;
    /** Connects namespace `ns` (interface `ifName`) to the internet router; returns its address. */
    const attach = (ns: string, ifName: string): string => {
      const inside = `x${k}`;
      link(inet, inside, ns, ifName);
      run(['ip', '-n', inet, 'addr', 'add', `10.${net}.${k}.1/24`, 'dev', inside]);
      const ip = `10.${net}.${k}.2`;
      run(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', ifName]);
      run(['ip', '-n', ns, 'route', 'add', 'default', 'via', `10.${net}.${k}.1`]);
      k++;
      return ip;
    };
    const hosts: Record<string, NatLabHost> = {};
    opts.publicHosts.forEach((name, i) => {
      const ns = `${p}p${i}`;
      addNs(ns);
      const ip = attach(ns, 'eth0');
      hosts[name] = { name, ns, ip, publicIp: ip };
    });
    opts.natHosts.forEach((name, j) => {
      const router = `${p}r${j}`;
      const ns = `${p}h${j}`;
      addNs(router);
      addNs(ns);
      const wanIp = attach(router, 'wan');
      link(router, 'lan', ns, 'eth0');
      run(['ip', '-n', router, 'addr', 'add', `10.${lanBase}.${j}.1/24`, 'dev', 'lan']);
      const ip = `10.${lanBase}.${j}.2`;
      run(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      run(['ip', '-n', ns, 'route', 'add', 'default', 'via', `10.${lanBase}.${j}.1`]);
      run(['ip', 'netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      run(['ip', 'netns', 'exec', router, 'nft', 'add table ip nat']);
      run(['ip', 'netns', 'exec', router, 'nft', 'add chain ip nat postrouting { type nat hook postrouting priority 100 ; }']);
      run(['ip', 'netns', 'exec', router, 'nft', 'add rule ip nat postrouting oifname "wan" masquerade']);
      hosts[name] = { name, ns, ip, publicIp: wanIp };
    });
    return {
      hosts,
      spawn: (h, cmd, args, env) => set.spawn(h.ns, cmd, args, env),
      exec: (h, cmd, args) => set.exec(h.ns, cmd, args),
      teardown,
    };
  } catch (e) {
    teardown();
    throw e;
  }
}
