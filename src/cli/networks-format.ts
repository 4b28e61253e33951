// `zerotier-cli listnetworks` text (06 §6.2), from API network objects: header, then one line
// per network — nwid, name (an empty one leaves an empty field), mac, status, type, device,
// assigned addresses joined by ',' or '-' — and for SSO networks an AUTH line. Missing
// string fields print '-'. Pure.

function str(v: unknown): string {
  return typeof v === 'string' ? v : '-';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function formatListNetworks(networks: unknown, nowMs: number): string {
  let out = '200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n';
  if (!Array.isArray(networks)) return out;
  for (const n of networks) {
    if (!isObject(n)) continue;
    const ips = Array.isArray(n.assignedAddresses) ? n.assignedAddresses.filter((a): a is string => typeof a === 'string').join(',') : '';
    const status = str(n.status);
    out += `200 listnetworks ${str(n.nwid)} ${str(n.name)} ${str(n.mac)} ${status} ${str(n.type)} ${str(n.portDeviceName)} ${ips || '-'}\n`;
    if (n.ssoEnabled === true) {
      if (status === 'AUTHENTICATION_REQUIRED') {
        out += `    AUTH EXPIRED, URL: ${typeof n.authenticationURL === 'string' ? n.authenticationURL : '(null)'}\n`;
      } else if (status === 'OK') {
        // Integer division toward zero, as 1.14.1's int64 arithmetic.
        const expiresIn = Math.trunc((Number(n.authenticationExpiryTime) - nowMs) / 1000);
        if (expiresIn >= 0) out += `    AUTH OK, expires in: ${expiresIn} seconds\n`;
      }
    }
  }
  return out;
}
