// The agent's CNI socket (issue #12; default /run/ztkube/cni.sock): one request per
// connection, as the shim speaks it — the shim writes its JSON and half-closes, the agent
// answers "<exit code>\n<stdout>" and closes.
import { createServer, type Server, type Socket } from 'node:net';
import { listenOnSocketFile, removeSocketFile } from '../net/unix-socket-listener.js';
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
    const server = createServer({ allowHalfOpen: true }, (c) => this.serve(c));
    await listenOnSocketFile(server, this.path, { peer: 'the CNI plugin', rival: 'another CNI agent', flag: '--cni-socket' });
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    removeSocketFile(this.path);
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
}
