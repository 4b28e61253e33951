// Payload codecs for every verb (spec 02 §10). Each module decodes and encodes the payload
// only: the bytes from packet offset 28 on (verb byte, header, armor and compression are
// src/protocol/packet.ts). Decoders throw only DecodeError; encoders throw RangeError for a
// message that cannot be represented (a programming error, not bad input).
//
// Conventions: u64 fields are bigint, everything narrower is a number (addresses and MACs
// included); packet IDs are the 8 transmitted bytes. Byte fields of decoded messages are
// views into the decoded buffer: copy what you keep longer than that buffer.
export { Verb, ErrorCode } from './codes.js';
export * from './fields.js';
export * from './com.js';
export * from './credential-lengths.js';
export * from './hello.js';
export * from './error.js';
export * from './ok.js';
export * from './ok-hello.js';
export * from './whois.js';
export * from './rendezvous.js';
export * from './frame.js';
export * from './ext-frame.js';
export * from './echo.js';
export * from './multicast-like.js';
export * from './network-credentials.js';
export * from './network-config.js';
export * from './multicast-gather.js';
export * from './multicast-frame.js';
export * from './push-direct-paths.js';
export * from './user-message.js';
export * from './remote-trace.js';
export * from './bonding.js';
export * from './nop.js';
