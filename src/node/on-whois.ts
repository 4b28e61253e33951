// WHOIS answers (03 §7.4): roots answer everyone; leaves at most every 100 ms per peer.
import { Verb } from '../protocol/constants.js';
import { packetIdBytes } from '../protocol/packet.js';
import type { Identity } from '../protocol/identity.js';
import { decodeWhois } from '../protocol/verbs/whois.js';
import { encodeOk, encodeOkWhois } from '../protocol/verbs/ok.js';
import type { InboundPacket, VerbContext } from './verb-table.js';
import { WHOIS_ANSWER_INTERVAL_MS } from './constants.js';

export function onWHOIS(v: VerbContext, rx: InboundPacket): void {
  const { node, sender } = v;
  const { now, peer, path } = rx;
  if (!node.topology.amRoot) {
    if (now - peer.lastWhoisAnsweredMs < WHOIS_ANSWER_INTERVAL_MS) {
      node.report('rate_limited', path.address, 'WHOIS');
      return;
    }
    peer.lastWhoisAnsweredMs = now;
  }
  const found: Identity[] = [];
  for (const a of decodeWhois(rx.payload).addresses) {
    if (a === node.address) found.push(node.identity.toPublic());
    else {
      const p = node.topology.peers.get(a);
      if (p) found.push(p.identity);
      else sender.requestWhois(now, a);
    }
  }
  if (found.length === 0) return;
  node.trace('whois_answered', peer.address, path.address, `${found.length} identities`);
  // De-armoring leaves bytes 0–7 as transmitted, which is the ID replies must carry (02 §4).
  sender.reply(now, peer, path, Verb.OK, encodeOk({ inReVerb: Verb.WHOIS, inRePacketId: packetIdBytes(rx.packet), body: encodeOkWhois({ identities: found }) }));
}
