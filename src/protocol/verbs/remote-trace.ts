// REMOTE_TRACE payload (spec 02 §10.18): one or more Dictionaries, each ended by a 0x00.
//
// Split like 1.14.1's _doREMOTE_TRACE: every 0-terminated string is one trace; empty ones
// are dropped, and bytes after the last 0x00 (an unterminated string) are ignored. The
// 10 000-byte limit on a delivered trace is the receiver's policy, not checked here.

export interface REMOTE_TRACE {
  /** Dictionary bytes without their terminator (views into the payload). */
  traces: Uint8Array[];
}

export const REMOTE_TRACE_MAX_BYTES = 10000;

export function decodeRemoteTrace(payload: Uint8Array): REMOTE_TRACE {
  const traces: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] !== 0) continue;
    if (i > start) traces.push(payload.subarray(start, i));
    start = i + 1;
  }
  return { traces };
}

export function encodeRemoteTrace(msg: REMOTE_TRACE): Uint8Array {
  let n = 0;
  for (const t of msg.traces) {
    if (t.length === 0 || t.includes(0)) throw new RangeError('REMOTE_TRACE: a trace must be non-empty and contain no 0 byte');
    n += t.length + 1;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const t of msg.traces) {
    out.set(t, o);
    o += t.length + 1; // the terminator is already 0
  }
  return out;
}
