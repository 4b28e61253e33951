// Fragmentation on the sending side and the fragment datagram codec (spec 02 §7.1, §9).
//
// Fragment datagram (pieces 1…t−1; piece 0 is the head, i.e. the first mtu bytes of the
// armored packet, sent as is):
//
//   | offset | size | field                                                      |
//   |      0 |    8 | packet ID: bytes 0–7 of the armored packet (W[0..8] in suite 3) |
//   |      8 |    5 | destination: bytes 8–12 of the packet                       |
//   |     13 |    1 | fragment indicator 0xff                                     |
//   |     14 |    1 | high nibble: total pieces t (head included); low: number f  |
//   |     15 |    1 | hops (a full byte; 0 when sent, relays add one)             |
//   |     16 |    … | the next ≤ mtu − 16 bytes of the armored packet             |
//
// Sender rule: when the armored packet is longer than mtu, set the fragmented flag
// BEFORE armoring (it is authenticated), armor, then split. 1.14.1 receivers accept at
// most 7 pieces (t ≤ 7, 1 ≤ f ≤ 6), so a packet needing more is refused here.
import { DecodeError, ZtkubeError } from '../util/errors.js';
import { readAddressAt, writeAddressAt, type Address } from './address.js';
import {
  FRAGMENT_HEADER_BYTES,
  FRAGMENT_IDX_COUNTS,
  FRAGMENT_IDX_DEST,
  FRAGMENT_IDX_HOPS,
  FRAGMENT_IDX_INDICATOR,
  FRAGMENT_IDX_PACKET_ID,
  FRAGMENT_IDX_PAYLOAD,
  FRAGMENT_INDICATOR,
  MAX_FRAGMENTS,
  MAX_PACKET_BYTES,
  MIN_FRAGMENT_BYTES,
  MIN_PACKET_BYTES,
  PACKET_ID_BYTES,
  PACKET_IDX_DEST,
} from './constants.js';
import { isFragmented } from './packet.js';
import { transientBytes } from '../util/byte-pool.js';

/** A sender tried to fragment a packet it must not send (a bug in the caller, not input). */
export class FragmentationError extends ZtkubeError {
  constructor(code: 'packet_too_big' | 'fragmented_flag_mismatch', message: string) {
    super(code, message);
  }
}

export interface FragmentHeader {
  /** Packet ID bytes (8). */
  id8: Uint8Array;
  dest: Address;
  /** Total pieces including the head, 2…7. */
  total: number;
  /** This piece's number, 1…total−1. */
  index: number;
  hops: number;
}

/** A decoded fragment; `id8` and `data` are views into the datagram. */
export interface Fragment extends FragmentHeader {
  data: Uint8Array;
}

function checkMtu(mtu: number): void {
  if (!Number.isInteger(mtu) || mtu < MIN_PACKET_BYTES) throw new RangeError(`bad physical MTU ${mtu}`);
}

/** Pieces (head included) that a packet of `n` armored bytes needs at `mtu`; 1 = unfragmented. */
export function fragmentCount(n: number, mtu: number): number {
  checkMtu(mtu);
  if (n <= mtu) return 1;
  return 1 + Math.ceil((n - mtu) / (mtu - FRAGMENT_HEADER_BYTES));
}

/** Writes the 16-byte fragment header at `buf[0..16)`. */
export function writeFragmentHeader(buf: Uint8Array, h: FragmentHeader): void {
  if (buf.length < FRAGMENT_HEADER_BYTES) throw new RangeError('fragment buffer shorter than its header');
  if (h.id8.length !== PACKET_ID_BYTES) throw new RangeError('packet ID must be 8 bytes');
  if (!isValidFragmentCounts(h.total, h.index)) throw new RangeError(`bad fragment ${h.index} of ${h.total}`);
  buf.set(h.id8, FRAGMENT_IDX_PACKET_ID);
  writeAddressAt(buf, FRAGMENT_IDX_DEST, h.dest);
  buf[FRAGMENT_IDX_INDICATOR] = FRAGMENT_INDICATOR;
  buf[FRAGMENT_IDX_COUNTS] = (h.total << 4) | h.index;
  buf[FRAGMENT_IDX_HOPS] = h.hops & 0xff;
}

/**
 * Splits an armored packet into the datagrams to send. Returns `[pkt]` when it fits in one
 * datagram; otherwise the head (a view of `pkt[0..mtu)`) followed by freshly allocated
 * fragments. The caller must not change `pkt` while the head view is in use.
 * Throws FragmentationError if the packet would need more than 7 pieces or exceed the
 * 10 024-byte receive limit, or if the fragmented flag does not match the need to split.
 */
export function fragmentPacket(pkt: Uint8Array, mtu: number): Uint8Array[] {
  const n = pkt.length;
  if (n < MIN_PACKET_BYTES) throw new RangeError(`packet shorter than ${MIN_PACKET_BYTES} bytes`);
  const total = fragmentCount(n, mtu);
  if (total > MAX_FRAGMENTS || n > MAX_PACKET_BYTES) {
    throw new FragmentationError('packet_too_big', `a ${n}-byte packet needs ${total} pieces at MTU ${mtu}; at most ${MAX_FRAGMENTS} are allowed`);
  }
  if ((total > 1) !== isFragmented(pkt)) {
    throw new FragmentationError('fragmented_flag_mismatch', `fragmented flag must be ${total > 1 ? 'set' : 'clear'} before armoring a ${n}-byte packet at MTU ${mtu}`);
  }
  if (total === 1) return [pkt];
  const out: Uint8Array[] = [pkt.subarray(0, mtu)];
  const id8 = pkt.subarray(0, PACKET_ID_BYTES);
  const dest = readAddressAt(pkt, PACKET_IDX_DEST, 'destination');
  const chunk = mtu - FRAGMENT_HEADER_BYTES;
  let off = mtu;
  for (let index = 1; index < total; index++) {
    const len = Math.min(chunk, n - off);
    const frag = transientBytes(FRAGMENT_HEADER_BYTES + len);
    writeFragmentHeader(frag, { id8, dest, total, index, hops: 0 });
    frag.set(pkt.subarray(off, off + len), FRAGMENT_IDX_PAYLOAD);
    out.push(frag);
    off += len;
  }
  return out;
}

/** Counts a receiver accepts (§7.2). 1.14.1 does not check index < total; see the report. */
export function isValidFragmentCounts(total: number, index: number): boolean {
  return total >= 2 && total <= MAX_FRAGMENTS && index >= 1 && index < total;
}

export type FragmentProblem = 'truncated' | 'not_fragment' | 'bad_fragment_count';

/** Why a datagram cannot be reassembled as a fragment, or null if it can. Never throws. */
export function fragmentProblem(d: Uint8Array): FragmentProblem | null {
  if (d.length < MIN_FRAGMENT_BYTES) return 'truncated';
  if (d[FRAGMENT_IDX_INDICATOR] !== FRAGMENT_INDICATOR) return 'not_fragment';
  const c = d[FRAGMENT_IDX_COUNTS];
  return isValidFragmentCounts(c >> 4, c & 0x0f) ? null : 'bad_fragment_count';
}

/**
 * Decodes a fragment datagram. Throws DecodeError when it is not one (shorter than 17
 * bytes, no 0xff indicator). Counts are returned as found, so a relay can forward a
 * fragment without judging them; reassembly checks them with isValidFragmentCounts.
 */
export function decodeFragment(d: Uint8Array): Fragment {
  if (d.length < MIN_FRAGMENT_BYTES) throw new DecodeError('fragment', d.length, 'truncated');
  if (d[FRAGMENT_IDX_INDICATOR] !== FRAGMENT_INDICATOR) throw new DecodeError('fragment indicator', FRAGMENT_IDX_INDICATOR, 'not_fragment');
  const c = d[FRAGMENT_IDX_COUNTS];
  return {
    id8: d.subarray(FRAGMENT_IDX_PACKET_ID, FRAGMENT_IDX_PACKET_ID + PACKET_ID_BYTES),
    dest: readAddressAt(d, FRAGMENT_IDX_DEST, 'fragment destination'),
    total: c >> 4,
    index: c & 0x0f,
    hops: d[FRAGMENT_IDX_HOPS],
    data: d.subarray(FRAGMENT_IDX_PAYLOAD),
  };
}

/** Byte 15, the whole byte (02 §14 trap 8). */
export function fragmentHops(d: Uint8Array): number {
  return d[FRAGMENT_IDX_HOPS];
}

/** Relay step for a fragment (§9): byte15 = (byte15 + 1) & 7. */
export function incrementFragmentHops(d: Uint8Array): void {
  d[FRAGMENT_IDX_HOPS] = (d[FRAGMENT_IDX_HOPS] + 1) & 0x07;
}

/** Destination of a fragment (bytes 8–12) without decoding the rest. */
export function fragmentDestination(d: Uint8Array): Address {
  return readAddressAt(d, FRAGMENT_IDX_DEST, 'fragment destination');
}
