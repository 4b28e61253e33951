// Test scaffolding shared by the controller tests: the three nodes of the recorded 1.14.1
// session (shared/vectors/05), a database over any store, and a config request as the
// request handler will make it (admission + save).
import { Identity } from '../../../src/protocol/identity.js';
import { admitMember, type AdmissionResult } from '../../../src/controller/admission.js';
import { ControllerDb } from '../../../src/controller/controller-db.js';
import type { ControllerStore } from '../../../src/controller/store.js';
import { Prng } from '../../helpers/prng.js';

export const CTL_ID = Identity.fromString('16ef05e548:0:40a98384bfe5f319b57a8fb2a4e8e18d49d4ed92670975ee1cf945b29da467321fe14ece8932d8529ab1fff69b2f2259edb3979551bef0076ace11c8070da259');
export const M1_ID = Identity.fromString('5bc7629dcf:0:20b5e0ee1593f99c9e166b730ac2c2f29f988687e4e5b1a2a415039422019a20bb8bf79f7b279f19def0b1916c7851d867ea6cbefc363c787134e964193e318f');
export const M2_ID = Identity.fromString('a2cb3e9302:0:86376151f4c456f241727a8512753ae643a250592b06ac74acc887d83e406d60ce70f5cd84f6bedcb223a66f234aa2ff42a621469009f553445287f674934af8');

export interface RequestOptions {
  genuine?: boolean;
  rulesEngineRev?: number;
  authCredential?: string | null;
}

/** One NETWORK_CONFIG_REQUEST from `who` (a 1.14.1 node) handled like 1.14.1's _request up to the save. */
export function configRequest(db: ControllerDb, nwid: string, who: Identity, nowMs: number, opts: RequestOptions = {}, prng = new Prng(1)): Promise<AdmissionResult> {
  return db.run(async () => {
    const id = who.address.toString(16).padStart(10, '0');
    const network = await db.store.getNetwork(nwid);
    const member = await db.store.getMember(nwid, id);
    const r = admitMember(network, member, {
      nwid: BigInt('0x' + nwid),
      identity: who,
      isGenuine: opts.genuine ?? true,
      versions: { major: 1, minor: 14, rev: 1, proto: 12 },
      rulesEngineRev: opts.rulesEngineRev ?? 1,
      authCredential: opts.authCredential ?? null,
    }, { nowMs, allocated: await db.allocated(nwid), random: (n) => prng.bytes(n) });
    if (r.decision === 'ok' || r.decision === 'access-denied' || r.decision === 'authentication-required') await db.saveMember(nwid, r.member);
    return r;
  });
}

export function newDb(store: ControllerStore): ControllerDb {
  return new ControllerDb(store);
}
