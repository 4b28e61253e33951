// The plugin's Unix socket (07 §3.1–3.2): an HTTP server dockerd finds at
// /run/docker/plugins/<name>.sock (src/net/unix-socket-listener.ts: stale sockets replaced,
// live ones and other files never touched).
import { createServer, type Server } from 'node:http';
import { listenOnSocketFile, removeSocketFile } from '../net/unix-socket-listener.js';
import { PLUGIN_CONTENT_TYPE, type PluginRouter } from './plugin-router.js';

/** Bodies are small JSON documents; anything past this is refused. */
const MAX_BODY_BYTES = 1 << 20;

export const DEFAULT_PLUGIN_SOCKET = '/run/docker/plugins/ztkube.sock';

export class PluginServer {
  private readonly path: string;
  private readonly router: PluginRouter;
  private server: Server | null = null;

  constructor(path: string, router: PluginRouter) {
    this.path = path;
    this.router = router;
  }

  get socketPath(): string {
    return this.path;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      req.on('end', () => {
        const reply = (status: number, body: unknown): void => {
          res.writeHead(status, { 'Content-Type': PLUGIN_CONTENT_TYPE });
          res.end(JSON.stringify(body));
        };
        if (req.method !== 'POST') return reply(405, { Err: 'the Docker plugin API takes POST only' });
        if (size > MAX_BODY_BYTES) return reply(413, { Err: `the request body is over ${MAX_BODY_BYTES} bytes` });
        this.router.handle(req.url ?? '/', Buffer.concat(chunks).toString('utf8')).then((r) => reply(r.status, r.body), (e: Error) => reply(500, { Err: e.message }));
      });
    });
    await listenOnSocketFile(server, this.path, { peer: 'dockerd', rival: 'another Docker plugin', flag: '--docker-plugin-socket' });
    this.server = server;
  }

  /** Stops listening and removes the socket. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
    removeSocketFile(this.path);
  }
}
