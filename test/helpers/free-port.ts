// A port number free for both TCP and UDP on 127.0.0.1 at the time of asking (the daemon
// takes the same number for its UDP socket and its API).
import dgram from 'node:dgram';
import net from 'node:net';

export async function freeLoopbackPort(): Promise<number> {
  for (;;) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const u = dgram.createSocket('udp4');
    const isFree = await new Promise<boolean>((r) => {
      u.once('error', () => r(false));
      u.bind(port, '127.0.0.1', () => r(true));
    });
    u.close();
    if (isFree) return port;
  }
}
