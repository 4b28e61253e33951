// ECHO payload (spec 02 §10.9): arbitrary bytes, echoed back in OK(ECHO). 1.14.1's
// keepalive ECHO is empty.

export interface ECHO {
  /** A view into the payload. */
  data: Uint8Array;
}

export function decodeEcho(payload: Uint8Array): ECHO {
  return { data: payload };
}

export function encodeEcho(msg: ECHO): Uint8Array {
  return msg.data.slice();
}
