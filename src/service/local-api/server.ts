// The local API's HTTP server (06 §5.1): node:http on 127.0.0.1 and ::1 at the primary port
// (TCP; the number is the UDP one). Unlike 1.14.1, which listens on every interface and
// filters each request, it binds loopback only, so nothing off the machine can even connect —
// unless local.conf names allowManagementFrom networks: then it listens on every
// interface as 1.14.1 does, and the source filter (auth.ts) admits only those networks.
// Without IPv6 on loopback it serves IPv4 alone; a taken IPv4 port fails the start, as
// zerotier-one does ("cannot bind to local control interface port").
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type winston from 'winston';
import { errnoCode, PortInUseError } from '../../util/errors.js';
import { isAuthorized, type AuthTokens } from './auth.js';
import type { IpPrefix } from '../../net/ip/prefix.js';
import { renderBody, routeRequest } from './routes.js';
import type { ApiResponse, LocalService } from './service-port.js';

/** Bodies past this are refused (413): the largest legitimate ones are controller objects. */
export const MAX_REQUEST_BODY_BYTES = 16 * 1024 * 1024;
const KEEP_ALIVE_MS = 5_000;

export interface LocalApiServerOptions {
  port: number;
  /** The auth token, and the metrics token when there is one (06 §5.2). */
  tokens: AuthTokens;
  service: LocalService;
  nowMs(): number;
  log: winston.Logger;
  /** Defaults to ['127.0.0.1', '::1'] (the daemon passes ['0.0.0.0', '::'] with allowManagementFrom); the first must bind, later ones may be unavailable. */
  hosts?: string[];
  /** Networks besides loopback that may use the API (local.conf allowManagementFrom; read per request). */
  allowManagementFrom?(): readonly IpPrefix[];
}

export class LocalApiServer {
  private readonly opts: LocalApiServerOptions;
  private readonly servers: http.Server[] = [];

  constructor(opts: LocalApiServerOptions) {
    this.opts = opts;
  }

  /** Where it listens, as "ip/port". */
  get listening(): string[] {
    return this.servers.map((s) => {
      const a = s.address() as AddressInfo;
      return `${a.address}/${a.port}`;
    });
  }

  async start(): Promise<void> {
    const [first, ...rest] = this.opts.hosts ?? ['127.0.0.1', '::1'];
    try {
      await this.listenOn(first);
      for (const host of rest) {
        try {
          await this.listenOn(host);
        } catch (e) {
          const code = errnoCode(e);
          // No IPv6 (disabled, or ::1 missing from lo): IPv4 serves the CLI alone.
          if (code !== 'EADDRNOTAVAIL' && code !== 'EAFNOSUPPORT') throw e;
          this.opts.log.warn('local api not on this address', { address: host, error: code });
        }
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Closes the listeners and every open connection, so the port is free when this resolves. */
  async stop(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private listenOn(host: string): Promise<void> {
    const server = http.createServer({ requireHostHeader: false, keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => this.onRequest(req, res));
    return new Promise((resolve, reject) => {
      server.once('error', (e) => {
        server.close();
        reject(errnoCode(e) === 'EADDRINUSE' ? new PortInUseError(this.opts.port, host, { cause: e, protocol: 'TCP' }) : e);
      });
      server.listen({ port: this.opts.port, host, backlog: 16, ipv6Only: true }, () => {
        server.removeAllListeners('error');
        server.on('error', (e) => this.opts.log.error('local api error', { error: e.message }));
        this.servers.push(server);
        resolve();
      });
    });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let isTooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BODY_BYTES) isTooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (isTooLarge) return this.send(req, res, { status: 413, body: null }, null);
      this.answer(req, Buffer.concat(chunks).toString('utf8'))
        .then(({ response, jsonp }) => this.send(req, res, response, jsonp))
        .catch((e: Error) => {
          this.opts.log.error('local api handler failed', { error: e.message });
          this.send(req, res, { status: 500, body: null }, null);
        });
    });
  }

  private async answer(req: http.IncomingMessage, body: string): Promise<{ response: ApiResponse; jsonp: string | null }> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const jsonp = query.get('jsonp');
    let path = rawPath;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      // A malformed %-escape stays as sent, as cpp-httplib leaves it: no route matches it (404).
    }
    const authReq = { path, query, headers: req.headers, remoteAddress: req.socket.remoteAddress ?? '' };
    if (!isAuthorized(authReq, this.opts.tokens, this.opts.allowManagementFrom?.() ?? [])) return { response: { status: 401, body: {} }, jsonp };
    const response = await routeRequest({ method: req.method ?? 'GET', path, body }, this.opts.service, this.opts.nowMs());
    return { response, jsonp };
  }

  private send(req: http.IncomingMessage, res: http.ServerResponse, r: ApiResponse, jsonp: string | null): void {
    const rendered = renderBody(r, jsonp);
    const text = rendered?.text ?? '';
    res.statusCode = r.status;
    if (rendered) res.setHeader('Content-Type', rendered.contentType);
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.setHeader('Keep-Alive', 'timeout=5, max=5');
    this.opts.log.debug('local api', { method: req.method, path: (req.url ?? '').split('?')[0], status: r.status });
    res.end(req.method === 'HEAD' ? undefined : text);
  }
}
