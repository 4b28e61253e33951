// `zerotier-cli info` text (06 §6.2): `200 info <address> <version> <state>`, the state
// TUNNELED over a TCP relay, else ONLINE or OFFLINE. Pure.

export function formatInfo(status: unknown): string {
  if (typeof status !== 'object' || status === null || Array.isArray(status)) return '';
  const s = status as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '-');
  const state = s.tcpFallbackActive === true ? 'TUNNELED' : s.online === true ? 'ONLINE' : 'OFFLINE';
  return `200 info ${str(s.address)} ${str(s.version)} ${state}\n`;
}
