// The status file the daemon keeps in its home for `ztkube peers` (until the local API of
// issue #7 replaces it). Readers import this module only, never the daemon.
import type { PeerJson } from './peer-json.js';

export const STATUS_FILE = 'ztkube.status.json';

export interface StatusFile {
  address: string;
  online: boolean;
  clock: number;
  planetWorldId: string | null;
  listeningOn: string[];
  peers: PeerJson[];
  drops: Record<string, number>;
}
