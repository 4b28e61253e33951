// Logs what happens to joined networks without repeating itself: a 1.14.1 controller stamps
// every answer anew, so a healthy network sees a config update every minute. Status, name
// and address changes are info; the rest is debug.
import type winston from 'winston';
import type { NetworkPortOp, VirtualNetworkConfig } from '../node/virtual-network.js';

function summary(c: VirtualNetworkConfig): string {
  const ips = c.assignedAddresses.map((a) => `${a.family === 4 ? a.ip.join('.') : Buffer.from(a.ip).toString('hex')}/${a.bits}`).join(',');
  return `${c.status}|${c.name}|${ips}|${c.mtu}`;
}

export class NetworkChangeLog {
  private readonly log: winston.Logger;
  private readonly last = new Map<bigint, string>();

  constructor(log: winston.Logger) {
    this.log = log;
  }

  handle(nwid: bigint, op: NetworkPortOp, config: VirtualNetworkConfig | null): void {
    const id = nwid.toString(16).padStart(16, '0');
    if (!config) {
      this.last.delete(nwid);
      this.log.info('network left', { nwid: id, op });
      return;
    }
    const now = summary(config);
    const changed = this.last.get(nwid) !== now;
    this.last.set(nwid, now);
    const fields = {
      nwid: id,
      op,
      status: config.status,
      name: config.name,
      addresses: config.assignedAddresses.length,
      revision: config.netconfRevision,
    };
    if (changed || op === 'up' || op === 'down') this.log.info('network', fields);
    else this.log.debug('network', fields);
  }
}
