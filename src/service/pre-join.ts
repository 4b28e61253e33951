// Networks joined at start (06 §1.3 step 11): every `networks.d/<16 hex>.conf`. The core
// keeps a joined network's config there, and an empty file of that name is how an operator
// "pre-joins" one before the first start. (1.14.1 only checks the name's shape and parses
// the 16 characters leniently as hex; here they must be hex digits.)
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, fileError } from '../util/errors.js';

const CONF_NAME = /^([0-9a-fA-F]{16})\.conf$/;

/** The network ids to join at start, ascending; none when networks.d does not exist. */
export function preJoinedNetworks(home: string): bigint[] {
  const dir = join(home, 'networks.d');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw fileError(e, dir, 'listing the joined networks');
  }
  const ids = names.flatMap((n) => {
    const m = CONF_NAME.exec(n);
    return m ? [BigInt('0x' + m[1])] : [];
  });
  return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
