// The VL1 verbs' handlers, registered into the node's verb table. HELLO is not here: it
// is handled before a peer is known (on-hello.ts).
import { Verb } from '../protocol/constants.js';
import { onOkHello, onOkWhois, onOK } from './on-ok.js';
import { onWHOIS } from './on-whois.js';
import { onRENDEZVOUS } from './on-rendezvous.js';
import { onPUSH_DIRECT_PATHS } from './on-push-direct-paths.js';
import { onECHO, onERROR, onUSER_MESSAGE } from './on-control.js';
import type { VerbTable } from './verb-table.js';

export function registerVl1Verbs(table: VerbTable): void {
  table.register(Verb.OK, (v, rx) => onOK(v, rx, table));
  table.registerOk(Verb.HELLO, onOkHello);
  table.registerOk(Verb.WHOIS, onOkWhois);
  table.register(Verb.ERROR, onERROR);
  table.register(Verb.WHOIS, onWHOIS);
  table.register(Verb.RENDEZVOUS, onRENDEZVOUS);
  table.register(Verb.ECHO, onECHO);
  table.register(Verb.PUSH_DIRECT_PATHS, onPUSH_DIRECT_PATHS);
  table.register(Verb.USER_MESSAGE, onUSER_MESSAGE);
}
