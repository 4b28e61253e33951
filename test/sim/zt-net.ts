// ZeroTier networks on the simulated internet: deterministic identities, a planet naming
// the roots, and the real Node as every host's node.
import { generateIdentity } from '../../src/protocol/identity-crypto.js';
import type { Identity } from '../../src/protocol/identity.js';
import { generateC25519KeyPair } from '../../src/crypto/c25519.js';
import { encodeWorld, signWorld, WorldType, type World } from '../../src/protocol/world.js';
import { parseInetAddress } from '../../src/protocol/inet-address.js';
import { Node } from '../../src/node/node.js';
import type { PhysicalNetwork } from '../../src/node/physical.js';
import { SeededRandom } from './seeded-random.js';
import { simNet, type HostSpec, type SimNet, type SimNetOptions } from './scenario.js';
import type { SimHost } from './sim-host.js';

const identityCache = new Map<string, Identity>();

/** The same identity for the same label in every run (generation is costly: cached). */
export function testIdentity(label: string): Identity {
  let id = identityCache.get(label);
  if (!id) {
    const r = new SeededRandom(`identity:${label}`);
    id = generateIdentity((n) => {
      const b = new Uint8Array(n);
      r.fill(b);
      return b;
    });
    identityCache.set(label, id);
  }
  return id;
}

export interface ZtHostSpec extends HostSpec {
  /** Listed in the planet, with these stable endpoints ("ip/port"). */
  rootEndpoints?: string[];
  /** Start later with net.start(name, zt.factory(name)). */
  isDeferred?: boolean;
  /** Physical-network settings (03 §14) for this host's node. */
  physical?: PhysicalNetwork[];
}

export interface ZtNet {
  net: SimNet;
  planet: World;
  planetBytes: Uint8Array;
  signingKey: { publicKey: Uint8Array; privateKey: Uint8Array };
  id(name: string): Identity;
  node(name: string): Node;
  host(name: string): SimHost;
  factory(name: string): (h: SimHost) => Node;
}

export function ztNet(opts: Omit<SimNetOptions, 'hosts' | 'node'> & { hosts: ZtHostSpec[]; planetTimestamp?: bigint }): ZtNet {
  const seed = String(opts.seed);
  const keyRandom = new SeededRandom(`planet-key:${seed}`);
  const signingKey = generateC25519KeyPair((n) => {
    const b = new Uint8Array(n);
    keyRandom.fill(b);
    return b;
  });
  const planet = signWorld(
    {
      type: WorldType.PLANET,
      id: 0x5157n,
      timestamp: opts.planetTimestamp ?? 1000n,
      updatesMustBeSignedBy: signingKey.publicKey,
      roots: opts.hosts
        .filter((h) => h.rootEndpoints)
        .map((h) => ({ identity: testIdentity(h.name).toPublic(), stableEndpoints: h.rootEndpoints!.map((e) => parseInetAddress(e)!) })),
    },
    signingKey.publicKey,
    signingKey.privateKey,
  );
  const planetBytes = encodeWorld(planet);
  const factory = (name: string) => (h: SimHost): Node => {
    const saved = h.savedState();
    const physical = opts.hosts.find((x) => x.name === name)?.physical;
    return new Node(h, testIdentity(name), { ...saved, planet: saved.planet ?? planetBytes }, h.now, { defaultPlanet: null, physical });
  };
  const hosts: HostSpec[] = opts.hosts.map((h) => ({ ...h, node: h.isDeferred ? null : factory(h.name) }));
  const net = simNet({ ...opts, hosts });
  return {
    net,
    planet,
    planetBytes,
    signingKey,
    id: testIdentity,
    node: (n) => net.node<Node>(n),
    host: (n) => net.host(n),
    factory,
  };
}
