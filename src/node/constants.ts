// VL1 timing and limits. First group: fixed by the spec (03 §16, 1.14.1 Constants.hpp);
// second group: chosen by ztkube (sizes of our own tables).

// ---- fixed by the spec ----
export const PING_CHECK_PERIOD_MS = 5_000;
export const PATH_HEARTBEAT_PERIOD_MS = 14_000;
export const PATH_ALIVE_TIMEOUT_MS = PATH_HEARTBEAT_PERIOD_MS + 5_000;
export const PEER_PING_PERIOD_MS = 60_000;
export const PEER_PATH_EXPIRATION_MS = 4 * 60_000 + 3_000;
export const PEER_ACTIVITY_TIMEOUT_MS = 500_000;
export const TRUST_EXPIRATION_MS = 600_000;
export const HOUSEKEEPING_PERIOD_MS = 30_000;
export const TIMER_TASK_PERIOD_MS = 500;
export const MIN_BACKGROUND_SPACING_MS = 60;
export const WHOIS_RETRY_DELAY_MS = 500;
export const WHOIS_STALE_MS = 1_000;
export const TX_QUEUE_SIZE = 32;
export const QUEUE_TIMEOUT_MS = 5_000;
export const MIN_UNITE_INTERVAL_MS = 30_000;
export const DIRECT_PATH_PUSH_INTERVAL_MS = 120_000;
export const DIRECT_PATH_PUSH_INTERVAL_RELAYED_MS = 15_000;
export const PUSH_DIRECT_PATHS_CUTOFF_TIME_MS = 30_000;
export const PUSH_DIRECT_PATHS_CUTOFF_LIMIT = 8;
export const PUSH_DIRECT_PATHS_MAX_PER_SCOPE_AND_FAMILY = 8;
export const PUSH_DIRECT_PATHS_MAX_PACKET_BYTES = 1_200;
export const MAX_PEER_PATHS = 64;
export const PATH_LATENCY_UNKNOWN = 0xffff;
export const PATH_QUALITY_MAX_AGE_MS = 140_000;
/** Upstream roots: full HELLO only after 14 000 × 16 ms with paths (03 §6.2). */
export const ROOT_TIMER_SCALE = 16;
/** Leaf-role always-contact peers (anchors, moon seeds): 14 000 × 2 ms. */
export const LEAF_TIMER_SCALE = 2;
export const IDENTITY_VERIFY_INTERVAL_MS = 2_000;
export const WHOIS_ANSWER_INTERVAL_MS = 100;
export const ECHO_ANSWER_INTERVAL_MS = 166;
export const CONFIRM_HELLO_INTERVAL_MS = 1_000;
export const BEACON_NOP_INTERVAL_MS = 2_500;
export const PATH_HINT_INTERVAL_MS = 30_000;
export const EXTERNAL_ADDRESS_RECORD_TTL_MS = 600_000;
export const NAT_JUNK_TTL = 2;
export const NAT_JUNK_BYTES = 4;
export const PEER_CACHE_FORMAT_VERSION = 2;
/** The version 1.14.1 announces; we emulate it (03 §4.2). */
export const SOFTWARE_VERSION = { major: 1, minor: 14, revision: 1 } as const;

// ---- chosen by ztkube ----
/** Wait between the NAT-opening junk and the probe after a RENDEZVOUS (see on-control.ts). */
export const RENDEZVOUS_PROBE_DELAY_MS = 250;
export const DEFERRED_PROBES_MAX = 64;
/** How long a sent packet's ID is remembered as expecting a reply (02 §4 allows exact IDs with a time-out). */
export const EXPECTED_REPLY_TTL_MS = 60_000;
export const EXPECTED_REPLY_MAX_ENTRIES = 8_192;
/** Packets from unknown sources parked while their WHOIS is outstanding (03 §7.5). */
export const RX_PARKED_MAX_PACKETS = 32;
export const IDENTITY_VERIFY_BUCKETS = 0x4000;
