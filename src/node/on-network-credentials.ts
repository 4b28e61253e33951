// NETWORK_CREDENTIALS (02 §10.11, 04 §5.7–§5.8; IncomingPacket::_doNETWORK_CREDENTIALS) and
// ERROR(NEED_MEMBERSHIP_CERTIFICATE): the credentials other members and the controller send.
import type { Address } from '../protocol/address.js';
import { Verb } from '../protocol/constants.js';
import type { Identity } from '../protocol/identity.js';
import { decodeNetworkCredentials } from '../protocol/verbs/network-credentials.js';
import { applyNetworkCredentials, type JoinedNetwork } from './apply-network-credentials.js';
import { CREDENTIALS_RECEIVE_RATE_LIMIT_MS } from './membership.js';
import type { InboundPacket, VerbContext } from './verb-table.js';

export function onNETWORK_CREDENTIALS(v: VerbContext, rx: InboundPacket): void | 'not_counted' {
  const { node, networks, sender } = v;
  if (!networks.credentialsRateGate(rx.peer.address, rx.now, CREDENTIALS_RECEIVE_RATE_LIMIT_MS)) {
    node.report('rate_limited', rx.path.address, 'NETWORK_CREDENTIALS');
    return 'not_counted';
  }
  const msg = decodeNetworkCredentials(rx.payload);
  const lookup = (a: Address): Identity | undefined => {
    if (a === node.address) return node.identity;
    const id = node.topology.peers.get(a)?.identity;
    if (!id) sender.requestWhois(rx.now, a);
    return id;
  };
  const networkFor = (nwid: bigint): JoinedNetwork | undefined => {
    const n = networks.get(nwid);
    const ctx = n?.membershipContext();
    return n && ctx ? { memberships: n.memberships, ctx } : undefined;
  };
  const out = applyNetworkCredentials(msg, networkFor, rx.peer.address, lookup);
  for (const s of out.sends) sender.sendToAddress(rx.now, s.to, Verb.NETWORK_CREDENTIALS, s.payload);
  if (out.refused > 0) node.report('credential_rejected', rx.path.address, `${out.refused} credential(s) refused`);
  if (out.forUnknownNetworks > 0) node.report('unknown_network', rx.path.address, `${out.forUnknownNetworks} credential(s) for networks not joined or not configured yet`);
  // A credential waiting for its signer's identity is dropped: the sender pushes again.
  if (!out.isDone) node.report('credential_rejected', rx.path.address, 'signer unknown, WHOIS sent');
}

export function onNeedMembershipCertificate(v: VerbContext, rx: InboundPacket, nwid: bigint): void {
  v.networks.get(nwid)?.peerRequestedCredentials(rx.now, rx.peer.address);
}
