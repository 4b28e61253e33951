// Choosing UDP ports (06 §4.1): a trial bind tells whether a port is free; the secondary
// port is random in 20000–65499 unless configured.
import dgram from 'node:dgram';
import { secureRandomInt } from '../crypto/random.js';

export const RANDOM_PORT_FIRST = 20000;
export const RANDOM_PORT_SPAN = 45500;
const SECONDARY_PORT_TRIES = 1000;

/** Can a UDP socket bind this port on the IPv4 wildcard right now? */
export function trialBindUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ port, address: '0.0.0.0', exclusive: true }, () => {
      s.close();
      resolve(true);
    });
  });
}

/** 1.14.1's secondary port: random start, then successive ports, skipping `avoid`. 0 = none found. */
export async function chooseSecondaryPort(avoid: number[]): Promise<number> {
  let port = RANDOM_PORT_FIRST + secureRandomInt(RANDOM_PORT_SPAN);
  for (let i = 0; i < SECONDARY_PORT_TRIES; i++) {
    port = port + 1 > 65535 ? RANDOM_PORT_FIRST : port + 1;
    if (avoid.includes(port)) continue;
    if (await trialBindUdp(port)) return port;
  }
  return 0;
}
