// A LocalApiServer over the fake service as a process of its own, for tests that run it inside
// a network namespace: node local-api-server-main.js <port> <token> [allowManagementFrom,…]
// Prints "listening <ip/port> …" once it serves; SIGTERM stops it.
import winston from 'winston';
import { LocalApiServer } from '../../src/service/local-api/server.js';
import { parsePrefix, type IpPrefix } from '../../src/net/ip/prefix.js';
import { FakeLocalService } from './fake-local-service.js';

async function main(): Promise<void> {
  const [port, token, allow = ''] = process.argv.slice(2);
  const allowManagementFrom: IpPrefix[] = [];
  for (const entry of allow.split(',').filter((e) => e.length > 0)) {
    const p = parsePrefix(entry);
    if (!p) throw new Error(`allowManagementFrom entry "${entry}" is not IP or IP/bits`);
    allowManagementFrom.push(p);
  }
  const server = new LocalApiServer({
    port: Number(port),
    tokens: { auth: token },
    allowManagementFrom: () => allowManagementFrom,
    // as the daemon does: off loopback only when some source is allowed
    hosts: allowManagementFrom.length > 0 ? ['0.0.0.0', '::'] : undefined,
    service: new FakeLocalService(),
    nowMs: () => Date.now(),
    log: winston.createLogger({ silent: true }),
  });
  await server.start();
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
  process.stdout.write(`listening ${server.listening.join(' ')}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`local-api-server-main: ${e.message}\n`);
  process.exitCode = 1;
});
