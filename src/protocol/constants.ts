// Wire constants of VL1 fixed by the spec (02 §3, §7, §8, §9, §10.1, §10.3) and by
// ZeroTier 1.14.1's Constants.hpp / Packet.hpp. Values we choose ourselves (table sizes,
// queue depths) live beside the code that uses them, not here.
import { ErrorCode, Verb } from './verbs/codes.js';

/** Protocol version announced in HELLO / OK(HELLO) by 1.14.x (02 §5.7). */
export const PROTOCOL_VERSION = 12;
/** The oldest protocol version whose HELLO is accepted (02 §10.2). */
export const MIN_PROTOCOL_VERSION = 4;
/** First protocol version that understands AES-GMAC-SIV (suite 3, 02 §5.5). */
export const AES_GMAC_SIV_MIN_PROTOCOL_VERSION = 12;

// ---- Packet header layout (02 §3) -------------------------------------------------------
export const PACKET_IDX_ID = 0;
export const PACKET_IDX_DEST = 8;
export const PACKET_IDX_SOURCE = 13;
export const PACKET_IDX_FLAGS = 18;
export const PACKET_IDX_MAC = 19;
export const PACKET_IDX_VERB = 27;
export const PACKET_IDX_PAYLOAD = 28;

export const PACKET_ID_BYTES = 8;
export const PACKET_MAC_BYTES = 8;
/** Bytes before the verb byte (ID, destination, source, flags, MAC). */
export const PACKET_HEADER_BYTES = 27;
/** Header plus verb byte: the smallest valid packet (empty payload). */
export const MIN_PACKET_BYTES = 28;

// ---- Byte 18: flags, cipher suite, hops (02 §3.1) ---------------------------------------
/** Legacy "encrypted" flag: set iff cipher suite 1, for pre-1.0.3 peers. */
export const FLAG_LEGACY_ENCRYPTED = 0x80;
/** Head of a packet followed by fragments. Authenticated. */
export const FLAG_FRAGMENTED = 0x40;
export const CIPHER_SUITE_MASK = 0x38;
export const CIPHER_SUITE_SHIFT = 3;
export const HOPS_MASK = 0x07;
/** Everything in byte 18 that the MAC / AAD covers (all but the hops). */
export const FLAGS_AUTHENTICATED_MASK = 0xf8;

export const CipherSuite = {
  C25519_POLY1305_NONE: 0,
  C25519_POLY1305_SALSA2012: 1,
  NO_CRYPTO_TRUSTED_PATH: 2,
  AES_GMAC_SIV: 3,
} as const;
/** Byte-18 suite field value; 4–7 are representable on the wire but never valid. */
export type CipherSuite = (typeof CipherSuite)[keyof typeof CipherSuite];

// ---- Byte 27: verb byte (02 §3.2) -------------------------------------------------------
export const VERB_FLAG_COMPRESSED = 0x80;
export const VERB_MASK = 0x1f;

// Verb and ERROR codes (02 §10.1, §10.3) live with the verb codecs; re-exported here so
// packet-level code has one place to import wire constants from.
export { ErrorCode, Verb };

const VERB_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Verb).map(([k, v]) => [v, k]));

/** Upper-case verb name for logs, or `VERB_0x17` style for unassigned codes. */
export function verbName(code: number): string {
  return VERB_NAMES.get(code) ?? `VERB_0x${code.toString(16).padStart(2, '0')}`;
}

// ---- Fragments (02 §7.1) ----------------------------------------------------------------
export const FRAGMENT_IDX_PACKET_ID = 0;
export const FRAGMENT_IDX_DEST = 8;
export const FRAGMENT_IDX_INDICATOR = 13;
export const FRAGMENT_IDX_COUNTS = 14;
export const FRAGMENT_IDX_HOPS = 15;
export const FRAGMENT_IDX_PAYLOAD = 16;
export const FRAGMENT_HEADER_BYTES = 16;
/** Byte 13 of a fragment; no real address starts with it (01 §2). */
export const FRAGMENT_INDICATOR = 0xff;
/** A fragment must carry at least one data byte (`len > 16`). */
export const MIN_FRAGMENT_BYTES = 17;
/** Head included: at most 7 pieces per packet, fragment numbers 1…6. */
export const MAX_FRAGMENTS = 7;

// ---- Sizes and MTU (02 §8) --------------------------------------------------------------
export const DEFAULT_PHYS_MTU_BYTES = 1432;
export const MIN_PHYS_MTU_BYTES = 1400;
export const MAX_PHYS_MTU_BYTES = 10324;
/** 7 × 1432: the packet buffer of 1.14.1; larger datagrams or assemblies are dropped. */
export const MAX_PACKET_BYTES = 10024;
/** MAX_PACKET_BYTES − 28: the LZ4 output limit (02 §6). */
export const MAX_DECOMPRESSED_PAYLOAD_BYTES = 9996;
/** ZT_MAX_MTU: the largest Ethernet payload a virtual network carries (04). */
export const MAX_FRAME_BYTES = 10000;
export const DEFAULT_VIRTUAL_MTU_BYTES = 2800;
/** Length of the legacy LAN beacon (02 §11). */
export const BEACON_BYTES = 13;

// ---- Relaying (02 §9) -------------------------------------------------------------------
/** Forward a head or fragment only while its hop count is below this. */
export const RELAY_MAX_HOPS = 3;

// ---- Reassembly (02 §7.2) ---------------------------------------------------------------
/** How long an incomplete (or parked) packet is kept. */
export const REASSEMBLY_TIMEOUT_MS = 5000;
/** Slots of 1.14.1's shared receive queue (fragments and WHOIS-parked packets). */
export const REASSEMBLY_SLOTS = 32;
