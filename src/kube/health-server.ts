// The probe and scrape endpoint of `ztkube agent` (--health-addr 0.0.0.0:9994) and `ztkube
// operator` (0.0.0.0:9995), issue #12: GET /healthz answers 200 while the process serves at
// all, /readyz 200 only when its source says it is ready (else 503 with the reason), /metrics
// the source's Prometheus text.
import http from 'node:http';
import { PortInUseError, ConfigError } from '../util/errors.js';

export interface HealthSource {
  /** null when ready, else why not (one sentence). */
  notReadyReason(): string | null;
  /** Prometheus text. */
  metrics(): string;
}

export class HealthServer {
  private readonly host: string;
  private readonly port: number;
  private readonly source: HealthSource;
  private server: http.Server | null = null;

  constructor(host: string, port: number, source: HealthSource) {
    this.host = host;
    this.port = port;
    this.source = source;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        reject(e.code === 'EADDRINUSE' ? new PortInUseError(this.port, this.host, { cause: e, protocol: 'TCP' }) : new ConfigError(`--health-addr ${this.host}:${this.port} cannot be listened on (${e.message})`, { cause: e }));
      });
      server.listen(this.port, this.host, () => resolve());
    });
    this.server = server;
  }

  /** The port listened on (the one given, or the kernel's pick for 0). */
  get listeningPort(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a !== null ? a.port : this.port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.send(res, 405, 'only GET\n');
    if (path === '/healthz') return this.send(res, 200, 'ok\n');
    if (path === '/readyz') {
      const why = this.source.notReadyReason();
      return why === null ? this.send(res, 200, 'ok\n') : this.send(res, 503, `${why}\n`);
    }
    if (path === '/metrics') {
      let text: string;
      try {
        text = this.source.metrics();
      } catch (e) {
        return this.send(res, 500, `metrics failed: ${(e as Error).message}\n`);
      }
      return this.send(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8');
    }
    this.send(res, 404, 'not found: try /healthz, /readyz or /metrics\n');
  }

  private send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}
