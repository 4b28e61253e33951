// The daemon as a real process on loopback, with a scripted root on a real UDP socket:
//
//   ztkube daemon (127.0.0.1:P) <──UDP──> test's fake root (127.0.0.1:R)
//
// Start-up files, `ztkube peers` over the local API, flag errors, the safety net, and the
// identity-collision restart (03 §3.3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { waitFor } from '../helpers/netns.js';
import { exited, startDaemon } from '../helpers/daemon-process.js';
import { testIdentity } from '../sim/zt-net.js';
import { agree, generateC25519KeyPair } from '../../src/crypto/c25519.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { armor, dearmor } from '../../src/protocol/armor.js';
import { ErrorCode, PACKET_IDX_PAYLOAD, Verb } from '../../src/protocol/constants.js';
import { buildPacket, packetIdBytes, packetSource } from '../../src/protocol/packet.js';
import { decodeHello } from '../../src/protocol/verbs/hello.js';
import { encodeError } from '../../src/protocol/verbs/error.js';
import { encodeWorld, signWorld, WorldType } from '../../src/protocol/world.js';
import { parseInetAddress } from '../../src/protocol/inet-address.js';
import { Identity } from '../../src/protocol/identity.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');
const root = testIdentity('e2e-root');
let work = '';
const children: ChildProcess[] = [];

before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-e2e-${process.pid}-`));
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function planetAt(port: number): Uint8Array {
  const key = generateC25519KeyPair(() => new Uint8Array(64).fill(5));
  return encodeWorld(
    signWorld(
      { type: WorldType.PLANET, id: 0xe2en, timestamp: 1n, updatesMustBeSignedBy: key.publicKey, roots: [{ identity: root.toPublic(), stableEndpoints: [parseInetAddress(`127.0.0.1/${port}`)!] }] },
      key.publicKey,
      key.privateKey,
    ),
  );
}


test('bad flags and a missing planet are refused with a reason', () => {
  for (const [args, re] of [
    [['--port', '70000'], /--port must be 1-65535, got 70000/],
    [['--port', '9993', '--bind', 'nonsense'], /--bind must be an IP address/],
    [['--port', '9993', '--contact', 'xyz'], /--contact must be a node address of 10 hex digits/],
  ] as Array<[string[], RegExp]>) {
    const r = spawnSync(process.execPath, [cli, 'daemon', '--home', join(work, 'x'), ...args], { encoding: 'utf8', env: { ...process.env, ZTKUBE_SAFETY: 'test' } });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, re);
  }
  const r = spawnSync(process.execPath, [cli, 'daemon', '--home', join(work, 'noplanet'), '--port', '39990', '--bind', '127.0.0.1'], { encoding: 'utf8', env: { ...process.env, ZTKUBE_SAFETY: 'test' } });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /planet: missing, and ZTKUBE_SAFETY=test forbids the public planet/);
});

test('start-up files, status, peers; an identity collision from the root makes a new identity', async () => {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const rootPort = (sock.address() as { port: number }).port;
  const home = join(work, 'node');
  mkdirSync(home);
  writeFileSync(join(home, 'planet'), planetAt(rootPort));
  let collide = false;
  const hellosFrom = new Set<string>();
  sock.on('message', (msg, rinfo) => {
    const pkt = new Uint8Array(msg);
    if (pkt.length < 28 || (pkt[27] & 0x1f) !== Verb.HELLO) return;
    const hello = decodeHello(pkt.subarray(PACKET_IDX_PAYLOAD));
    const keys = derivePeerKeys(agree(root.privateKey!, hello.identity.publicKey));
    if (!dearmor(pkt.slice(), keys)) return;
    hellosFrom.add(hello.identity.address.toString(16));
    if (!collide) return;
    collide = false; // once: the new identity must then be left alone
    const err = buildPacket({ id8: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), dest: packetSource(pkt), source: root.address, verb: Verb.ERROR, payload: encodeError({ inReVerb: Verb.HELLO, inRePacketId: packetIdBytes(pkt), code: ErrorCode.IDENTITY_COLLISION }) });
    armor(err, keys, 1);
    sock.send(err, rinfo.port, rinfo.address);
  });
  const port = 39000 + (process.pid % 500);
  const d = startDaemon(children, home, port);
  try {
    await waitFor('identity and the API up (port file)', () => existsSync(join(home, 'zerotier-one.port')), 20_000);
    assert.equal(statSync(join(home, 'identity.secret')).mode & 0o777, 0o600);
    const first = Identity.fromString(readFileSync(join(home, 'identity.public'), 'utf8'));
    await waitFor('a HELLO at the root', () => hellosFrom.has(first.address.toString(16)), 10_000);
    const peers = spawnSync(process.execPath, [cli, 'peers', '--home', home], { encoding: 'utf8' });
    assert.equal(peers.status, 0);
    assert.match(peers.stdout, new RegExp(`^200 peers\\n<ztaddr>.*\\n${root.address.toString(16).padStart(10, '0')} -      PLANET    -1 RELAY\\n$`));
    const json = JSON.parse(spawnSync(process.execPath, [cli, 'peers', '--home', home, '-j'], { encoding: 'utf8' }).stdout);
    assert.equal(json[0].role, 'PLANET');

    collide = true;
    const second = await waitFor(
      'the collision to replace the identity',
      () => existsSync(join(home, 'identity.secret.saved_after_collision')) && Identity.fromString(readFileSync(join(home, 'identity.public'), 'utf8')),
      15_000,
    );
    assert.notEqual(second.address, first.address);
    assert.equal(readFileSync(join(home, 'identity.secret.saved_after_collision'), 'utf8').slice(0, 10), first.address.toString(16).padStart(10, '0'));
    await waitFor('the new identity to say HELLO', () => hellosFrom.has(second.address.toString(16)), 15_000);
  } finally {
    d.child.kill('SIGTERM');
    assert.equal(await exited(d.child), 0, d.log());
    sock.close();
  }
  // Checked after exit so that the whole of stdout and stderr (the daemon's only log) is in,
  // for both identities this daemon held.
  const output = d.log();
  for (const file of ['identity.secret.saved_after_collision', 'identity.secret']) {
    const own = Identity.fromString(readFileSync(join(home, file), 'utf8').trim());
    assert.equal(own.privateKey?.length, 64, `${file} holds the daemon's private key`);
    assert.ok(output.includes(own.address.toString(16).padStart(10, '0')), `the output names ${file}'s address, so it is the daemon's output`);
    const priv = own.privateKey!;
    for (const part of [priv, priv.subarray(0, 32), priv.subarray(32)]) {
      for (const spelling of [Buffer.from(part).toString('hex'), Buffer.from(part).toString('base64')]) {
        assert.equal(output.includes(spelling), false, `the private key of ${file} never reaches stdout or stderr`);
      }
    }
  }
});
