// `ztkube agent` (issue #12): the node agent the DaemonSet runs (src/kube/agent/). Thin: flags,
// the kubeconfig, start, stop on a signal; `--uninstall` only takes the CNI shim and its
// chained config away (the DaemonSet's preStop). Config errors exit 2, start-up failures with
// the daemon's codes.
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { ConfigError } from '../util/errors.js';
import { createLogger, type LogFormat } from '../service/log.js';
import { safetyFromEnv } from '../service/safety.js';
import { DEFAULT_CNI_SOCKET } from '../cni/cni-server.js';
import { checkBind, checkPort, startupExitCode } from './daemon.js';
import { loadKubeConfig } from './kube-config-arg.js';
import { whenStopAsked } from './stop-signals.js';
import { parseHealthAddr } from './health-addr-arg.js';

const STOP_GRACE_MS = 5_000;
/** A Kubernetes node name (DNS subdomain). */
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** build/cni/ztkube of this installation (dist/src/cli/agent.js → the repository or image root). */
const DEFAULT_SHIM = fileURLToPath(new URL('../../../build/cni/ztkube', import.meta.url));

function absolute(flag: string, v: unknown): string {
  if (typeof v !== 'string' || !v.startsWith('/')) throw new ConfigError(`--${flag} must be an absolute path, got ${JSON.stringify(v)}`);
  return v;
}

export const agentCommand: CommandModule = {
  command: 'agent',
  describe: 'run the Kubernetes node agent: joins the ZTNetworks selecting this node, writes its ZTNode, serves and installs the CNI plugin',
  builder: (y) =>
    y
      .option('node-name', { type: 'string', default: process.env.NODE_NAME, describe: 'this Kubernetes node (default: $NODE_NAME, from the downward API)' })
      .option('kubeconfig', { type: 'string', describe: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account)' })
      .option('home', { type: 'string', default: '/var/lib/ztkube', describe: "the node's home: identity (0600), planet, networks.d, CNI records" })
      .option('port', { type: 'number', default: 9993, describe: 'UDP port (and the local API on 127.0.0.1, for zerotier-cli in the pod)' })
      .option('bind', { type: 'string', array: true, describe: 'bind only these local IPs (default: every eligible interface address)' })
      .option('cni-socket', { type: 'string', default: DEFAULT_CNI_SOCKET, describe: 'the Unix socket the CNI shim connects to' })
      .option('cni-bin-dir', { type: 'string', default: '/opt/cni/bin', describe: 'where the shim is installed (as ztkube)' })
      .option('cni-conf-dir', { type: 'string', default: '/etc/cni/net.d', describe: "the node's CNI configs; ztkube is chained into the lexically first one" })
      .option('cni-binary', { type: 'string', default: DEFAULT_SHIM, describe: 'the shim to install' })
      .option('cni-install', { type: 'boolean', default: true, describe: '--no-cni-install: serve the socket but leave the bin and conf dirs alone' })
      .option('uninstall-on-exit', { type: 'boolean', default: false, describe: 'take the shim and its config away at SIGTERM (default: keep them, so pods keep working across restarts)' })
      .option('uninstall', { type: 'boolean', default: false, describe: 'only remove the shim and its chained config, then exit (with the agent stopped: a running one chains itself again; it takes --uninstall-on-exit instead)' })
      .option('health-addr', { type: 'string', default: '0.0.0.0:9994', describe: 'HTTP /healthz, /readyz and /metrics' })
      .option('log-level', { type: 'string', default: 'info', choices: ['error', 'warn', 'info', 'debug'] })
      .option('log-format', { type: 'string', choices: ['json', 'text'], describe: 'default: text on a terminal, json otherwise' }),
  handler: async (argv) => {
    const log = createLogger({ level: argv['log-level'] as string, format: argv['log-format'] as LogFormat | undefined });
    try {
      const { CniInstaller } = await import('../kube/agent/cni-installer.js');
      const cniSocket = absolute('cni-socket', argv['cni-socket']);
      if (!cniSocket.endsWith('.sock')) throw new ConfigError(`--cni-socket must end in .sock, got ${JSON.stringify(cniSocket)}`);
      const installer = new CniInstaller({ binDir: absolute('cni-bin-dir', argv['cni-bin-dir']), confDir: absolute('cni-conf-dir', argv['cni-conf-dir']), shim: absolute('cni-binary', argv['cni-binary']), socket: cniSocket });
      if (argv.uninstall === true) {
        const changed = installer.uninstall();
        log.info('cni uninstalled', { changed });
        return;
      }
      const nodeName = argv['node-name'];
      if (typeof nodeName !== 'string' || !NODE_NAME.test(nodeName)) throw new ConfigError(`--node-name (or $NODE_NAME) must be a Kubernetes node name, got ${JSON.stringify(nodeName)}`);
      const port = checkPort('port', argv.port);
      const health = parseHealthAddr(argv['health-addr']);
      const home = absolute('home', argv.home);
      const bind = checkBind(argv.bind);
      const kc = await loadKubeConfig(argv.kubeconfig as string | undefined);
      const { Agent } = await import('../kube/agent/agent.js');
      const agent = new Agent({ nodeName, kc, home, port, bind, cniSocket, installer: argv['cni-install'] === false ? null : installer, uninstallOnExit: argv['uninstall-on-exit'] === true, health, log, safety: safetyFromEnv(process.env.ZTKUBE_SAFETY) });
      const stopAsked = whenStopAsked(() => setTimeout(() => process.exit(process.exitCode ?? 0), STOP_GRACE_MS).unref());
      await agent.start();
      await stopAsked;
      await agent.stop().catch((e: Error) => {
        log.error('stop failed', { error: e.message });
        process.exitCode = 1;
      });
    } catch (e) {
      const code = startupExitCode(e);
      if (code === null) throw e;
      process.stderr.write(`ztkube agent: ${(e as Error).message}\n`);
      process.exit(code);
    }
  },
};
