// A real ZeroTier One 1.14.1 asking to join a managed ZTNetwork (issue #11), opt-in like the
// other interop files (ZTKUBE_ZEROTIER_ONE names a binary built elsewhere):
//
//   [op   10.N.0.1: test API server on its 127.0.0.1:6443, ztkube operator :9993 = root + controller] --+
//   [rmem 10.N.0.2: zerotier-one -p9993 with our planet, no TCP fallback, no port mapping] ---------------+-- br0
//
// It appears as an unauthorized ZTMember (ACCESS_DENIED at its end); `kubectl patch` admits it,
// it is OK with a pool address, and its ZTMember's status shows version 1.14.1 and its address.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasNetns, waitFor, type LabHost } from '../helpers/netns.js';
import { kubectl130 } from '../helpers/kubectl.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';
import { operatorLab, type OperatorLab } from '../helpers/operator-lab.js';

const interop = interopTests('a ZeroTier One 1.14.1 member of an operator-managed ZTNetwork');
const kubectl = kubectl130();
const skip = !hasNetns() ? 'needs root and iproute2' : typeof kubectl === 'string' ? kubectl : false;
let ol: OperatorLab | null = null;

before(() => {
  if (skip || typeof kubectl === 'string' || !zerotierOne) return;
  ol = operatorLab(kubectl, ['op', 'rmem'], 'opzt1');
});
after(() => ol?.teardown());

interop('a real zerotier-one appears as an unauthorized ZTMember and gets in when patched', { skip, timeout: 180_000 }, async () => {
  const { kOk, kJson, homes } = ol!;
  const rmem = ol!.host('rmem');
  const home = homes.home('rmem');
  const theirs = (h: LabHost, ...args: string[]): string => ol!.lab.exec(h, zerotierOne!, ['-q', `-D${home}`, '-p9993', ...args]);
  const listed = (nwid: string): any => (JSON.parse(theirs(rmem, '-j', 'listnetworks')) as any[]).find((n) => n.nwid === nwid); // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    await ol!.startOperator();
    kOk(['apply', '-f', '-'], ['apiVersion: ztkube.io/v1alpha1', 'kind: ZTNetwork', 'metadata: {name: lab}', 'spec:', '  managed:', '    name: lab-lan',
      '    ipv4Pools: [{start: 10.147.19.10, end: 10.147.19.250}]', '    routes: [{target: 10.147.19.0/24}]', ''].join('\n'));
    const nwid = (await waitFor('the managed network ID', () => kJson(['get', 'ztnetwork', 'lab'])?.status?.networkId, 30_000)) as string;

    writeFileSync(join(home, 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false } }));
    ol!.startIn(rmem, 'zerotier-one', ['-p9993', home], zerotierOne!);
    await waitFor('zerotier-one up', () => {
      try {
        return JSON.parse(theirs(rmem, '-j', 'info')).online !== undefined;
      } catch {
        return false; // not listening yet
      }
    }, 30_000, 300);
    assert.equal(theirs(rmem, 'join', nwid), '200 join OK\n');
    const name = `${nwid}-${homes.addr('rmem')}`;
    const member = await waitFor('an unauthorized ZTMember', () => kJson(['get', 'ztmember', name]), 45_000);
    assert.equal(member.spec.authorized, false);
    await waitFor('ACCESS_DENIED at the member', () => listed(nwid)?.status === 'ACCESS_DENIED', 45_000, 500);

    kOk(['patch', 'ztmember', name, '--type', 'merge', '-p', '{"spec":{"authorized":true}}']);
    const ok = await waitFor('OK with a pool address', () => {
      const n = listed(nwid);
      return n?.status === 'OK' && (n.assignedAddresses as string[]).some((a) => a.startsWith('10.147.19.')) ? n : null;
    }, 45_000, 500);
    assert.equal(ok.name, 'lab-lan');
    const seen = await waitFor('the ZTMember status', () => {
      const m = kJson(['get', 'ztmember', name]);
      return m?.status?.version ? m : null;
    }, 30_000);
    assert.equal(seen.status.version, '1.14.1');
    // zerotier-one also sends from its secondary (random) port.
    assert.match(seen.status.physicalAddress, new RegExp(`^${rmem.ip.replace(/\./g, '\\.')}/\\d+$`));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${ol!.dumpLogs()}`, { cause: e });
  }
});
