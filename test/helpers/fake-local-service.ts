// A LocalService in memory for the API's routing and server tests: networks are views built
// from the 04 vector, settings merge as the real service merges them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { World } from '../../src/protocol/world.js';
import type { ControllerHandler, LocalService, NetworkSettings, NetworkView, PeerView, StatusView } from '../../src/service/local-api/service-port.js';
import { sharedDir } from './shared.js';
import { networkViewFromJson } from './network-view.js';

export class FakeLocalService implements LocalService {
  readonly joined = new Map<bigint, NetworkView>();
  readonly joins: Array<{ nwid: bigint; settings: Partial<NetworkSettings> }> = [];
  peerList: PeerView[] = [];
  /** Held moons; orbit() records its calls and holds nothing until a test adds the world. */
  moonList: World[] = [];
  readonly orbits: Array<{ worldId: bigint; seed: number }> = [];
  readonly deorbits: bigint[] = [];
  metricsText = '';
  controller?: ControllerHandler;

  status(): StatusView {
    return {
      address: 0x0123456789,
      publicIdentity: '0123456789:0:00',
      isOnline: true,
      isTcpFallbackActive: false,
      clockMs: 1_700_000_000_000,
      planet: { id: 1n, timestamp: 2n },
      homeDir: '/h',
      primaryPort: 9993,
      secondaryPort: 0,
      tertiaryPort: 0,
      listeningOn: [],
      surfaceAddresses: [],
      isTcpFallbackRelayAllowed: false,
      isTcpRelayForced: false,
      isPortMappingEnabled: false,
      localConfig: {},
    };
  }

  peers(): PeerView[] {
    return this.peerList;
  }

  networks(): NetworkView[] {
    return [...this.joined.values()].sort((a, b) => (a.nwid < b.nwid ? -1 : 1));
  }

  network(nwid: bigint): NetworkView | undefined {
    return this.joined.get(nwid);
  }

  join(nwid: bigint, settings: Partial<NetworkSettings>): NetworkView {
    this.joins.push({ nwid, settings });
    let v = this.joined.get(nwid);
    if (!v) {
      const member = JSON.parse(readFileSync(join(sharedDir(), 'vectors', '04', 'listnetworks-member.json'), 'utf8'))[0];
      v = { ...networkViewFromJson(member), nwid };
      this.joined.set(nwid, v);
    }
    v.settings = { ...v.settings, ...settings };
    return v;
  }

  leave(nwid: bigint): boolean {
    return this.joined.delete(nwid);
  }

  moons(): World[] {
    return this.moonList;
  }

  orbit(worldId: bigint, seed: number): void {
    this.orbits.push({ worldId, seed });
  }

  deorbit(worldId: bigint): void {
    this.deorbits.push(worldId);
    this.moonList = this.moonList.filter((w) => w.id !== worldId);
  }

  metrics(): string {
    return this.metricsText;
  }
}
