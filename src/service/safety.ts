// What a daemon may reach. Production: anything (the public planet when none is given).
// Test: the test suite sets ZTKUBE_SAFETY=test, resolved by the CLI into this policy, so a
// test can never reach the public ZeroTier roots or any host outside this machine's labs.
import type { InetAddress } from '../protocol/inet-address.js';

export interface SafetyPolicy {
  name: 'none' | 'test';
  /** Where the policy came from, for messages (e.g. "ZTKUBE_SAFETY=test"). */
  origin: string;
  /** May the daemon fall back to the public planet when the home has none? */
  isPublicPlanetAllowed: boolean;
  /** Destinations the UDP edge may send to, and TCP relays the daemon or `tcp-relay` may reach; absent = any. */
  isDestinationAllowed?: (to: InetAddress) => boolean;
}

export const NO_SAFETY: SafetyPolicy = { name: 'none', origin: 'no safety policy', isPublicPlanetAllowed: true };

/**
 * 192.88.99.0/24 (RFC 7526: the retired 6to4 relay anycast prefix, the spec's own lab
 * range) is the one GLOBAL-scope IPv4 range the labs use: the TCP fallback engages only
 * for GLOBAL destinations (06 §9.1). Labs keep it inside namespaces with no route out.
 */
function isGlobalLabV4(ip: Uint8Array): boolean {
  return ip[0] === 192 && ip[1] === 88 && ip[2] === 99;
}

/** Loopback, 10.0.0.0/8, the global lab range 192.88.99.0/24 and fd00::/8: the addresses our namespace labs use. */
export function isTestDestination(to: InetAddress): boolean {
  if (to.family === 4) return to.ip[0] === 127 || to.ip[0] === 10 || isGlobalLabV4(to.ip);
  const isLoopback = to.ip.every((b, i) => (i === 15 ? b === 1 : b === 0));
  return isLoopback || to.ip[0] === 0xfd;
}

export const TEST_SAFETY: SafetyPolicy = { name: 'test', origin: 'ZTKUBE_SAFETY=test', isPublicPlanetAllowed: false, isDestinationAllowed: isTestDestination };

/** The policy named by the ZTKUBE_SAFETY environment variable (read by the CLI, not the engine). */
export function safetyFromEnv(value: string | undefined): SafetyPolicy {
  return value === 'test' ? TEST_SAFETY : NO_SAFETY;
}
