// The VL2 verbs' handlers (spec 04), registered into the node's verb table.
import { Verb } from '../protocol/constants.js';
import { onNETWORK_CONFIG, onNETWORK_CONFIG_REQUEST, onOkNetworkConfigRequest } from './on-network-config.js';
import type { VerbTable } from './verb-table.js';
import { onNETWORK_CREDENTIALS } from './on-network-credentials.js';
import { registerMulticastVerbs } from './on-multicast.js';

export function registerVl2Verbs(table: VerbTable): void {
  table.register(Verb.NETWORK_CONFIG_REQUEST, onNETWORK_CONFIG_REQUEST);
  table.register(Verb.NETWORK_CONFIG, onNETWORK_CONFIG);
  table.registerOk(Verb.NETWORK_CONFIG_REQUEST, onOkNetworkConfigRequest);
  table.register(Verb.NETWORK_CREDENTIALS, onNETWORK_CREDENTIALS);
  registerMulticastVerbs(table);
}
