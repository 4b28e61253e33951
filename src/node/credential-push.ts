// The NETWORK_CREDENTIALS payloads we send (spec 04 §5.8, §5.6; 1.14.1
// Membership::pushCredentials and Network::addCredential(Revocation)). Payloads start after
// the verb byte (layout in verbs/network-credentials.ts); compressing and sending them is
// the sender's job.
//
// Our own credentials: the first packet carries our COM (if any), then 00; every packet
// carries the four counts (capabilities, tags, revocations = 0, COOs) and as many of each
// as "fit": 1.14.1 appends one more while header + payload so far + sizeof(the C++ object)
// + 16 < 10 024, with sizeof = 2 864 (Capability), 136 (Tag), 416 (COO) on x86-64 Linux.
import { MAX_PACKET_BYTES, PACKET_IDX_PAYLOAD } from '../protocol/constants.js';
import { writeCom, type CertificateOfMembership } from '../protocol/verbs/com.js';
import { writeCapability, type Capability } from '../protocol/credentials/capability.js';
import { writeTag, type Tag } from '../protocol/credentials/tag.js';
import { writeCertificateOfOwnership, type CertificateOfOwnership } from '../protocol/credentials/certificate-of-ownership.js';
import { writeRevocation, type Revocation } from '../protocol/credentials/revocation.js';
import { Writer } from '../protocol/writer.js';

const SIZEOF_CAPABILITY = 2864;
const SIZEOF_TAG = 136;
const SIZEOF_COO = 416;
const FIT_SLACK_BYTES = 16;

/** What our config gives us to push. */
export interface OwnCredentials {
  /** Null (or a COM without qualifiers) when we hold none. */
  com: CertificateOfMembership | null;
  capabilities: readonly Capability[];
  tags: readonly Tag[];
  coos: readonly CertificateOfOwnership[];
}

/** Appends items from `list` starting at `from` while they fit; returns the next index. */
function appendSection<T>(w: Writer, list: readonly T[], from: number, sizeOf: number, write: (w: Writer, x: T) => void): number {
  const countAt = w.pos;
  w.u16(0);
  let i = from;
  while (i < list.length && PACKET_IDX_PAYLOAD + w.pos + sizeOf + FIT_SLACK_BYTES < MAX_PACKET_BYTES) write(w, list[i++]);
  w.setU16(countAt, i - from);
  return i;
}

/** One payload per packet 1.14.1 would send; none when we have nothing to push. */
export function buildCredentialPushPayloads(own: OwnCredentials): Uint8Array[] {
  const payloads: Uint8Array[] = [];
  let isComDue = own.com !== null && own.com.qualifiers.length > 0;
  let cap = 0;
  let tag = 0;
  let coo = 0;
  while (cap < own.capabilities.length || tag < own.tags.length || coo < own.coos.length || isComDue) {
    const w = new Writer(1024);
    if (isComDue && own.com) writeCom(w, own.com);
    isComDue = false;
    w.u8(0);
    cap = appendSection(w, own.capabilities, cap, SIZEOF_CAPABILITY, writeCapability);
    tag = appendSection(w, own.tags, tag, SIZEOF_TAG, writeTag);
    w.u16(0);
    coo = appendSection(w, own.coos, coo, SIZEOF_COO, writeCertificateOfOwnership);
    payloads.push(w.finish());
  }
  return payloads;
}

/** What a newly accepted fast-propagate revocation is re-sent as: 00 0000 0000 0001 <revocation> 0000. */
export function buildRevocationPushPayload(rev: Revocation): Uint8Array {
  const w = new Writer(160);
  w.u8(0).u16(0).u16(0).u16(1);
  writeRevocation(w, rev);
  w.u16(0);
  return w.finish();
}
