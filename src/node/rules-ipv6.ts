// The IPv6 extension-header walk of the rules engine (spec 04 §6.3.1; _ipv6GetPayload in
// 1.14.1 node/Network.cpp). Only hop-by-hop, routing, destination options and mobility
// headers are stepped over; fragment, AH and ESP end the walk as the "protocol", since
// what follows them cannot be read. The result is packed into one number so the per-rule
// call allocates nothing.

const HOP_BY_HOP = 0;
const ROUTING = 43;
const DESTINATION_OPTIONS = 60;
const MOBILITY = 135;

/** pos × 256 + protocol of the upper-layer header, or -1 when the packet is not walkable. */
export function ipv6Payload(p: Uint8Array): number {
  const len = p.length;
  if (len < 40) return -1;
  let pos = 40;
  let proto = p[6];
  while (pos <= len) {
    if (proto === HOP_BY_HOP || proto === ROUTING || proto === DESTINATION_OPTIONS || proto === MOBILITY) {
      if (pos + 8 > len) return -1;
      proto = p[pos];
      pos += p[pos + 1] * 8 + 8;
    } else {
      return pos * 256 + proto;
    }
  }
  return -1;
}

export function ipv6PayloadPos(packed: number): number {
  return Math.floor(packed / 256);
}

export function ipv6PayloadProtocol(packed: number): number {
  return packed & 0xff;
}
