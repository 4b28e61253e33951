// The agent's CNI socket (issue #12; default /run/ztkube/cni.sock): one request per
// connection, as the shim speaks it — the shim writes its JSON and half-closes, the agent
// answers "<exit code>\n<stdout>" and closes. A stale socket left by a killed agent is
// replaced; a live one or any other kind of file is never touched.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { StateError, fileError } from '../util/errors.js';
import { CNI_CODE } from './cni-error.js';
import type { CniReply } from './cni-plugin.js';

export const DEFAULT_CNI_SOCKET = '/run/ztkube/cni.sock';
/** Configs are small; a prevResult with many interfaces is still far below this. */
const MAX_REQUEST_BYTES = 4 << 20;

export interface CniHandler {
  handle(text: string): Promise<CniReply>;
}

export class CniServer {
  private readonly path: string;
  private readonly handler: CniHandler;
  private server: Server | null = null;

  constructor(path: string, handler: CniHandler) {
    this.path = path;
    this.handler = handler;
  }

  get socketPath(): string {
    return this.path;
  }

  async start(): Promise<void> {
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o755 });
    } catch (e) {
      throw fileError(e, dirname(this.path), 'creating the CNI socket directory');
    }
    await this.clearStale();
    const server = createServer({ allowHalfOpen: true }, (c) => this.serve(c));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(fileError(e, this.path, 'listening for the CNI plugin')));
      server.listen(this.path, () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // node removes its own socket file on close; nothing left to remove
    }
  }

  private serve(c: Socket): void {
    const chunks: Buffer[] = [];
    let size = 0;
    c.on('error', () => c.destroy()); // the shim went away (its runtime timed out); nothing to answer
    c.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(d);
    });
    c.on('end', () => {
      const answer = (r: CniReply): void => void c.end(`${r.exitCode}\n${r.stdout}`);
      if (size > MAX_REQUEST_BYTES) {
        return answer({ exitCode: 1, stdout: `${JSON.stringify({ cniVersion: '1.1.0', code: CNI_CODE.ioFailure, msg: `the request is over ${MAX_REQUEST_BYTES} bytes` })}\n` });
      }
      this.handler.handle(Buffer.concat(chunks).toString('utf8')).then(answer, (e: Error) => {
        // handlers answer their own errors; this is a bug, still answered in the CNI dialect
        answer({ exitCode: 1, stdout: `${JSON.stringify({ cniVersion: '1.1.0', code: CNI_CODE.internal, msg: e.message })}\n` });
      });
    });
  }

  private async clearStale(): Promise<void> {
    let isSocket: boolean;
    try {
      isSocket = lstatSync(this.path).isSocket();
    } catch {
      return; // nothing there
    }
    if (!isSocket) throw new StateError(`${this.path}: exists and is not a socket; move it away or choose another --cni-socket`);
    const isLive = await new Promise<boolean>((resolve) => {
      const c = connect(this.path);
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (isLive) throw new StateError(`${this.path}: another CNI agent is listening there; stop it or choose another --cni-socket`);
    try {
      unlinkSync(this.path);
    } catch (e) {
      throw fileError(e, this.path, 'removing a stale CNI socket');
    }
  }
}
