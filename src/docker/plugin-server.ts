// The plugin's Unix socket (07 §3.1–3.2): an HTTP server dockerd finds at
// /run/docker/plugins/<name>.sock. A stale socket left by a killed plugin is replaced; a
// live one (another plugin answering) or any other kind of file is never touched.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { StateError, fileError } from '../util/errors.js';
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
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o755 });
    } catch (e) {
      throw fileError(e, dirname(this.path), 'creating the Docker plugin directory');
    }
    await this.clearStale();
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
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(fileError(e, this.path, 'listening for dockerd')));
      server.listen(this.path, () => resolve());
    });
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
    try {
      unlinkSync(this.path);
    } catch {
      // node removes its own socket file on close; nothing left to remove
    }
  }

  private async clearStale(): Promise<void> {
    let isSocket: boolean;
    try {
      isSocket = lstatSync(this.path).isSocket();
    } catch {
      return; // nothing there
    }
    if (!isSocket) throw new StateError(`${this.path}: exists and is not a socket; move it away or choose another --docker-plugin-socket`);
    const isLive = await new Promise<boolean>((resolve) => {
      const c = connect(this.path);
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (isLive) throw new StateError(`${this.path}: another Docker plugin is listening there; stop it or choose another --docker-plugin-socket`);
    try {
      unlinkSync(this.path);
    } catch (e) {
      throw fileError(e, this.path, 'removing a stale plugin socket');
    }
  }
}
