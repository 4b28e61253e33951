// HostNet in memory: devices with addresses, multicast MACs and routes kept in maps, with
// the kernel's behaviour where the service's decisions depend on it (an address already
// there is refused, a route already there is refused, a removed device loses everything).
// The unit tests' fake applier, and the daemon's host under --no-taps (networks without OS
// devices, e.g. e2e tests in the host's namespace).
import type { HostNet, KernelRoute } from './host-net.js';
import { FakeTap, type FakeTapOptions } from '../tap/fake-tap.js';
import { networkOf, prefixToString, samePrefix, sortUniquePrefixes, type IpPrefix } from './prefix.js';

export interface MemoryDevice {
  addresses: IpPrefix[];
  multicastMacs: number[];
  routes: KernelRoute[];
}

export class MemoryHostNet implements HostNet {
  readonly devices = new Map<string, MemoryDevice>();
  /** Every change made, in order, e.g. "addr add zt0 10.1.0.2/24", "route add zt0 0.0.0.0/1 via 10.1.0.1". */
  readonly log: string[] = [];
  /** When set, changes fail with this message (the kernel refused). */
  failWith: string | null = null;

  /** The device, created empty on first use (a TAP that was opened). */
  device(name: string): MemoryDevice {
    let d = this.devices.get(name);
    if (!d) {
      d = { addresses: [], multicastMacs: [], routes: [] };
      this.devices.set(name, d);
    }
    return d;
  }

  /** The device went away (its TAP closed): its addresses and routes with it. */
  removeDevice(name: string): void {
    this.devices.delete(name);
  }

  interfaceExists(name: string): boolean {
    return this.devices.has(name);
  }

  addresses(dev: string): IpPrefix[] {
    return sortUniquePrefixes(this.devices.get(dev)?.addresses ?? []);
  }

  multicastMacs(dev: string): number[] {
    return [...(this.devices.get(dev)?.multicastMacs ?? [])];
  }

  async addAddress(dev: string, p: IpPrefix): Promise<void> {
    const d = this.change(dev, `addr add ${dev} ${prefixToString(p)}`);
    if (d.addresses.some((a) => samePrefix(a, p))) throw new Error('RTNETLINK answers: File exists');
    d.addresses.push(p);
  }

  async removeAddress(dev: string, p: IpPrefix): Promise<void> {
    const d = this.change(dev, `addr del ${dev} ${prefixToString(p)}`);
    const i = d.addresses.findIndex((a) => samePrefix(a, p));
    if (i >= 0) d.addresses.splice(i, 1);
  }

  async routes(dev: string): Promise<KernelRoute[]> {
    return [...(this.devices.get(dev)?.routes ?? [])];
  }

  async addRoute(dev: string, r: KernelRoute): Promise<void> {
    const d = this.change(dev, `route add ${dev} ${routeText(r)}`);
    if (d.routes.some((x) => samePrefix(networkOf(x.target), networkOf(r.target)))) throw new Error('RTNETLINK answers: File exists');
    d.routes.push(r);
  }

  async removeRoute(dev: string, r: KernelRoute): Promise<void> {
    const d = this.change(dev, `route del ${dev} ${routeText(r)}`);
    const i = d.routes.findIndex((x) => samePrefix(networkOf(x.target), networkOf(r.target)));
    if (i >= 0) d.routes.splice(i, 1);
  }

  /** The routes of a device as text, sorted ("0.0.0.0/1 via 10.1.0.1", "10.9.0.0/16"). */
  routeTexts(dev: string): string[] {
    return (this.devices.get(dev)?.routes ?? []).map(routeText).sort();
  }

  /** The addresses of a device as text, sorted. */
  addressTexts(dev: string): string[] {
    return (this.devices.get(dev)?.addresses ?? []).map(prefixToString).sort();
  }

  private change(dev: string, what: string): MemoryDevice {
    this.log.push(what);
    if (this.failWith) throw new Error(this.failWith);
    const d = this.devices.get(dev);
    if (!d) throw new Error(`Cannot find device "${dev}"`);
    return d;
  }
}

function routeText(r: KernelRoute): string {
  const via = r.via ? ` via ${prefixToString({ family: r.target.family, ip: r.via, bits: 0 }).replace(/\/0$/, '')}` : '';
  return `${prefixToString(r.target)}${via}`;
}

/**
 * Opens FakeTaps whose devices live in `host`: opening adds the device, closing removes it
 * with its addresses and routes, as the kernel does with a TAP's interface.
 */
export function memoryTapOpener(host: MemoryHostNet): (o: FakeTapOptions) => FakeTap {
  return (o) => {
    if (host.interfaceExists(o.name)) throw new Error(`TAP ${o.name}: open failed: name in use (EBUSY)`);
    const tap = new FakeTap(o);
    host.device(o.name);
    const close = tap.close.bind(tap);
    tap.close = () => {
      if (!tap.closed) host.removeDevice(o.name);
      close();
    };
    return tap;
  };
}
