// `zerotier-cli peers` and `listpeers` text (06 §6.2), from API peer objects. Pure.
import type { PeerJson } from '../service/peer-json.js';

function since(nowMs: number, t: number): number {
  return t === 0 ? -1 : nowMs - t;
}

function versionText(p: PeerJson): string {
  return p.versionMajor < 0 ? '-' : `${p.versionMajor}.${p.versionMinor}.${p.versionRev}`;
}

export function formatPeers(peers: PeerJson[], nowMs: number): string {
  let out = '200 peers\n<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n';
  let isTunneled = false;
  for (const p of peers) {
    if (p.tunneled) isTunneled = true;
    const pref = p.paths.find((x) => x.preferred);
    let link: string;
    if (pref) {
      const triple = `${String(since(nowMs, pref.lastSend)).padEnd(8)} ${String(since(nowMs, pref.lastReceive)).padEnd(8)} ${pref.address}`;
      link = (p.tunneled ? 'RELAY ' : 'DIRECT   ') + triple;
    } else {
      link = 'RELAY';
    }
    out += `${p.address} ${versionText(p).padEnd(6)} ${p.role.padEnd(6)} ${String(p.latency).padStart(5)} ${link}\n`;
  }
  if (isTunneled) out += 'NOTE: Currently tunneling through a TCP relay. Ensure that UDP is not blocked.\n';
  return out;
}

export function formatListPeers(peers: PeerJson[], nowMs: number): string {
  let out = '200 listpeers <ztaddr> <path> <latency> <version> <role>\n';
  for (const p of peers) {
    const pref = p.paths.find((x) => x.preferred);
    const path = pref ? `${pref.address};${since(nowMs, pref.lastSend)};${since(nowMs, pref.lastReceive)}` : '-';
    out += `200 listpeers ${p.address} ${path} ${p.latency} ${versionText(p)} ${p.role}\n`;
  }
  return out;
}
