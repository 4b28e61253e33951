// Ethernet payloads for the rules engine tests and benchmark: IPv4 and IPv6 with TCP, UDP
// and ICMP, IPv6 extension headers, NDP, ARP. Checksums are left at 0 (the engine never
// reads them).
import type { FilterCredentials, FilterFrame } from '../../src/node/rules-engine.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export function tcp(sport: number, dport: number, flags: number, ns = false, dataBytes = 0): Uint8Array {
  const b = new Uint8Array(20 + dataBytes);
  b.set([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff], 0);
  b[12] = 0x50 | (ns ? 1 : 0);
  b[13] = flags;
  b[14] = 0xfa;
  for (let i = 20; i < b.length; i++) b[i] = (i * 7) & 0xff;
  return b;
}

export function udp(sport: number, dport: number, dataBytes = 0): Uint8Array {
  const b = new Uint8Array(8 + dataBytes);
  b.set([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, (8 + dataBytes) >> 8, (8 + dataBytes) & 0xff], 0);
  return b;
}

export function icmp(type: number, code: number): Uint8Array {
  return Uint8Array.of(type, code, 0, 0, 0, 1, 0, 1);
}

export function ipv4(proto: number, src: number[], dst: number[], l4: Uint8Array, opts: { tos?: number; optionWords?: number } = {}): Uint8Array {
  const ihl = 5 + (opts.optionWords ?? 0);
  const b = new Uint8Array(ihl * 4 + l4.length);
  b[0] = 0x40 | ihl;
  b[1] = opts.tos ?? 0;
  b[2] = b.length >> 8;
  b[3] = b.length & 0xff;
  b[8] = 64;
  b[9] = proto;
  b.set(src, 12);
  b.set(dst, 16);
  b.set(l4, ihl * 4);
  return b;
}

export function ipv6(next: number, src: Uint8Array, dst: Uint8Array, rest: Uint8Array, trafficClass = 0): Uint8Array {
  const b = new Uint8Array(40 + rest.length);
  b[0] = 0x60 | (trafficClass >> 4);
  b[1] = (trafficClass & 0x0f) << 4;
  b[4] = rest.length >> 8;
  b[5] = rest.length & 0xff;
  b[6] = next;
  b[7] = 64;
  b.set(src, 8);
  b.set(dst, 24);
  b.set(rest, 40);
  return b;
}

/** An extension header (hop-by-hop, routing, destination options, mobility) of 8 × (units + 1) bytes. */
export function extHeader(next: number, units = 0): Uint8Array {
  const b = new Uint8Array(8 * (units + 1));
  b[0] = next;
  b[1] = units;
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function arp(senderIp: number[], targetIp: number[]): Uint8Array {
  const b = new Uint8Array(28);
  b.set([0, 1, 8, 0, 6, 4, 0, 1], 0);
  b.set([2, 0x11, 0x22, 0x33, 0x44, 0x55], 8);
  b.set(senderIp, 14);
  b.set(targetIp, 24);
  return b;
}

/** An ICMPv6 neighbor solicitation (135) or advertisement (136) about `target`. */
export function ndp(type: 135 | 136, src: Uint8Array, dst: Uint8Array, target: Uint8Array): Uint8Array {
  const body = new Uint8Array(24);
  body[0] = type;
  body.set(target, 8);
  return ipv6(58, src, dst, body);
}

export function v6(s: string): Uint8Array {
  // Only the forms the tests use: full groups with one optional "::".
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    b[i * 2] = v >> 8;
    b[i * 2 + 1] = v & 0xff;
  });
  return b;
}

export interface CredSpec {
  tags?: Record<number, number>;
  /** Owned IPs as "a.b.c.d" or IPv6 text. */
  ips?: string[];
  macs?: number[];
}

/** Credentials answering from fixed lists, without allocating (the benchmark uses them too). */
export function credentials(spec: CredSpec = {}): FilterCredentials {
  const tags = new Map(Object.entries(spec.tags ?? {}).map(([k, v]) => [Number(k), v]));
  const ips = (spec.ips ?? []).map((s) => (s.includes(':') ? v6(s) : Uint8Array.from(s.split('.').map(Number))));
  const macs = new Set(spec.macs ?? []);
  const ownsIp = (bytes: Uint8Array, offset: number, length: number): boolean => {
    for (const ip of ips) {
      if (ip.length !== length) continue;
      let same = true;
      for (let i = 0; i < length && same; i++) same = ip[i] === bytes[offset + i];
      if (same) return true;
    }
    return false;
  };
  return { tagValue: (id) => tags.get(id), ownsIp, ownsMac: (mac) => macs.has(mac) };
}

export function frame(fields: Partial<FilterFrame> & { payload: Uint8Array }): FilterFrame {
  return {
    ztSource: fields.ztSource ?? 0x1111111111,
    ztDest: fields.ztDest ?? 0x2222222222,
    macSource: fields.macSource ?? 0x021111111111,
    macDest: fields.macDest ?? 0x022222222222,
    etherType: fields.etherType ?? 0x0800,
    vlanId: fields.vlanId ?? 0,
    payload: fields.payload,
    random: fields.random ?? 0x12345678,
  };
}
