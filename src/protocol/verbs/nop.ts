// NOP payload (spec 02 §10.20): empty. 1.14.1 never looks at it, so neither do we: any
// bytes decode to an empty message.

export type NOP = Record<string, never>;

export function decodeNop(_payload: Uint8Array): NOP {
  return {};
}

export function encodeNop(_msg: NOP = {}): Uint8Array {
  return new Uint8Array(0);
}
