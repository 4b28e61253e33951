// Capability (spec 04 §5.3; 1.14.1 node/Capability.*): extra rules the controller grants a
// member, handed along a custody chain whose every entry signs the same message.
//
//   size  field
//   8     network ID
//   8     timestamp (int64 ms)
//   4     capability ID
//   2     rule count k (at most 64)
//   var   k rules, each u8 type, u8 length, length bytes (04 §6.2)
//   1     max custody chain length m (1…7)
//   var   custody entries: to (5), from (5), signature block (credential.ts); at most m,
//         always followed by a 5-byte zero "to"
//   2     extension length (0) + extension
//
// Signed message (all custody entries sign it): 7f×8 ‖ network ID ‖ timestamp ‖ ID ‖
// rule count ‖ rules ‖ m ‖ 0000 ‖ 7f×8.
//
// Rules stay raw bytes until the rules codec (04 §6.2) is merged. 1.14.1 signs its own
// re-serialization of the parsed rules, which equals the received bytes for every rule it
// can write; a rule of unknown type or with an unusual length field would differ.
import { DecodeError } from '../../util/errors.js';
import type { Address } from '../address.js';
import type { Identity } from '../identity.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import {
  controllerFor,
  frameForSigning,
  fromInt64,
  readSignatureBlock,
  signatureChecks,
  signWith,
  skipExtension,
  toInt64,
  writeSignatureBlock,
  type CredentialVerdict,
  type IdentityLookup,
} from './credential.js';

export const CAPABILITY_MAX_RULES = 64;
export const CAPABILITY_MAX_CUSTODY_CHAIN_LENGTH = 7;

export interface CustodyEntry {
  to: Address;
  from: Address;
  /** 96 bytes; null when the signature block was not Ed25519. */
  signature: Uint8Array | null;
}

export interface Capability {
  networkId: bigint;
  /** int64 ms. */
  timestamp: bigint;
  id: number;
  ruleCount: number;
  /** The `ruleCount` serialized rules, back to back. */
  rules: Uint8Array;
  maxCustodyChainLength: number;
  /** Never holds a zero `to`; at most maxCustodyChainLength entries. */
  custody: CustodyEntry[];
}

/** Walks `count` serialized rules and returns their bytes (copied). */
function readRules(r: Reader, count: number, field: string): Uint8Array {
  const start = r.pos;
  for (let i = 0; i < count; i++) {
    r.skip(1, `${field}.rules[${i}].type`);
    r.skip(r.u8(`${field}.rules[${i}].length`), `${field}.rules[${i}]`);
  }
  return r.buf.slice(start, r.pos);
}

export function readCapability(r: Reader, field = 'capability'): Capability {
  const networkId = r.u64(field + '.networkId');
  const timestamp = toInt64(r.u64(field + '.timestamp'));
  const id = r.u32(field + '.id');
  const countAt = r.pos;
  const ruleCount = r.u16(field + '.ruleCount');
  if (ruleCount > CAPABILITY_MAX_RULES) throw new DecodeError(field + '.ruleCount', countAt, 'too_many');
  const rules = readRules(r, ruleCount, field);
  const maxAt = r.pos;
  const maxCustodyChainLength = r.u8(field + '.maxCustodyChainLength');
  if (maxCustodyChainLength < 1 || maxCustodyChainLength > CAPABILITY_MAX_CUSTODY_CHAIN_LENGTH) {
    throw new DecodeError(field + '.maxCustodyChainLength', maxAt, 'out_of_range');
  }
  const custody: CustodyEntry[] = [];
  for (let i = 0; ; i++) {
    const toAt = r.pos;
    const to = r.u40(`${field}.custody[${i}].to`);
    if (to === 0) break;
    if (i >= maxCustodyChainLength) throw new DecodeError(`${field}.custody[${i}]`, toAt, 'too_many');
    const from = r.u40(`${field}.custody[${i}].from`);
    custody.push({ to, from, signature: readSignatureBlock(r, `${field}.custody[${i}]`) });
  }
  skipExtension(r, field);
  return { networkId, timestamp, id, ruleCount, rules, maxCustodyChainLength, custody };
}

/** Exactly one capability (trailing bytes are an error). */
export function decodeCapability(bytes: Uint8Array): Capability {
  const r = new Reader(bytes);
  const c = readCapability(r);
  if (r.hasMore()) r.fail('capability', 'trailing_bytes');
  return c;
}

function writeSignedFields(w: Writer, c: Capability): void {
  if (c.ruleCount > CAPABILITY_MAX_RULES) throw new RangeError(`a capability holds at most ${CAPABILITY_MAX_RULES} rules`);
  if (c.maxCustodyChainLength < 1 || c.maxCustodyChainLength > CAPABILITY_MAX_CUSTODY_CHAIN_LENGTH) throw new RangeError('max custody chain length must be 1…7');
  w.u64(c.networkId).u64(fromInt64(c.timestamp)).u32(c.id).u16(c.ruleCount).bytes(c.rules).u8(c.maxCustodyChainLength);
}

export function writeCapability(w: Writer, c: Capability): void {
  if (c.custody.length > c.maxCustodyChainLength) throw new RangeError('custody chain longer than its maximum');
  writeSignedFields(w, c);
  for (const e of c.custody) {
    if (e.to === 0) throw new RangeError('a custody entry needs a non-zero "to"');
    w.u40(e.to).u40(e.from);
    writeSignatureBlock(w, e.signature);
  }
  w.u40(0).u16(0);
}

export function encodeCapability(c: Capability): Uint8Array {
  const w = new Writer(32 + c.rules.length + 109 * c.custody.length);
  writeCapability(w, c);
  return w.finish();
}

/** The bytes every custody entry signs. */
export function capabilitySigningInput(c: Capability): Uint8Array {
  const w = new Writer(23 + c.rules.length);
  writeSignedFields(w, c);
  return frameForSigning(w.finish());
}

/** The `to` of the last custody entry; 0 when there is none. */
export function capabilityIssuedTo(c: Capability): Address {
  return c.custody.length > 0 ? c.custody[c.custody.length - 1].to : 0;
}

/**
 * Capability::sign: `from` hands the capability to `to` by appending a signed custody
 * entry. Throws RangeError when the chain is full (1.14.1 returns false).
 */
export function signCapability(c: Capability, from: Identity, to: Address): Capability {
  if (c.custody.length >= Math.min(c.maxCustodyChainLength, CAPABILITY_MAX_CUSTODY_CHAIN_LENGTH)) throw new RangeError('the custody chain is full');
  if (to === 0) throw new RangeError('a capability cannot be handed to address 0');
  const signature = signWith(from, capabilitySigningInput(c));
  return { ...c, custody: [...c.custody, { to, from: from.address, signature }] };
}

/**
 * Capability::verify: entry 0 must come from the network's controller, each later entry
 * from the previous holder, and every signature must check with its `from` identity.
 */
export function verifyCapability(c: Capability, lookup: IdentityLookup): CredentialVerdict {
  if (c.maxCustodyChainLength < 1 || c.maxCustodyChainLength > CAPABILITY_MAX_CUSTODY_CHAIN_LENGTH) return 'invalid';
  const message = capabilitySigningInput(c);
  for (let i = 0; i < c.maxCustodyChainLength; i++) {
    const e = c.custody[i];
    if (i === 0) {
      if (!e || e.from === 0 || e.from !== controllerFor(c.networkId)) return 'invalid';
    } else {
      if (!e) return 'valid';
      if (e.from === 0 || e.from !== c.custody[i - 1].to) return 'invalid';
    }
    const id = lookup(e.from);
    if (!id) return 'whois';
    if (!signatureChecks(id, e.from, message, e.signature)) return 'invalid';
  }
  return 'valid';
}

/** verifyCapability with only the controller's identity known (the usual one-entry chain). */
export function verifyCapabilitySignature(c: Capability, controllerIdentity: Identity): boolean {
  return verifyCapability(c, (a) => (a === controllerIdentity.address ? controllerIdentity : undefined)) === 'valid';
}
