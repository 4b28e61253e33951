// `ztkube operator` (issue #11): the Kubernetes operator with the in-cluster controller
// (src/kube/operator/). Thin: flags, the kubeconfig, leader election, the probe endpoint
// (issue #12; it answers from the start, a standby replica too), start, stop on a signal.
import { hostname } from 'node:os';
import type { CommandModule } from 'yargs';
import { secureRandomBytes } from '../crypto/random.js';
import { toHex } from '../util/hex.js';
import { ConfigError, ZtkubeError } from '../util/errors.js';
import { createLogger, type LogFormat } from '../service/log.js';
import { safetyFromEnv } from '../service/safety.js';
import { checkBind, checkPort } from './daemon.js';
import { loadKubeConfig } from './kube-config-arg.js';
import { whenStopAsked } from './stop-signals.js';
import { parseDurationMs } from './duration-arg.js';
import { parseHealthAddr } from './health-addr-arg.js';

const STOP_GRACE_MS = 5_000;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const operatorCommand: CommandModule = {
  command: 'operator',
  describe: 'run the Kubernetes operator: the in-cluster ZeroTier controller behind ZTNetwork and ZTMember resources',
  builder: (y) =>
    y
      .option('kubeconfig', { type: 'string', describe: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account)' })
      .option('namespace', { type: 'string', default: process.env.POD_NAMESPACE || 'ztkube-system', describe: "the namespace of the controller's identity Secret" })
      .option('identity-secret', { type: 'string', default: 'ztkube-controller-identity', describe: "the Secret holding the controller's identity (created once when absent)" })
      .option('home', { type: 'string', default: '/var/lib/ztkube-operator', describe: "the controller node's home (planet, peers); its identity comes from the Secret" })
      .option('port', { type: 'number', default: 9993, describe: "the controller node's UDP port (and the local API's TCP port)" })
      .option('bind', { type: 'string', array: true, describe: "bind only these local IPs (default: every eligible interface address)" })
      .option('nad-namespaces', { type: 'string', array: true, describe: "more namespaces that get a Multus NetworkAttachmentDefinition per ZTNetwork (the operator's own namespace always does)" })
      .option('cni-socket', { type: 'string', default: '/run/ztkube/cni.sock', describe: "the node agents' CNI socket, as the NetworkAttachmentDefinitions name it" })
      .option('leader-elect', { type: 'boolean', default: true, describe: 'run only while holding the Lease, so one replica of several acts (--no-leader-elect: act at once)' })
      .option('lease-name', { type: 'string', default: 'ztkube-operator', describe: 'the coordination.k8s.io/v1 Lease in --namespace that the replicas elect a leader on' })
      .option('lease-duration', { type: 'string', default: '15s', describe: 'how long the other replicas wait after the last renewal they saw before taking over' })
      .option('renew-deadline', { type: 'string', default: '10s', describe: 'how long the leader keeps acting while it cannot renew; then it exits' })
      .option('retry-period', { type: 'string', default: '2s', describe: 'how often the leader renews and the others try to take over' })
      .option('health-addr', { type: 'string', default: '0.0.0.0:9995', describe: 'HTTP /healthz, /readyz (the leader: informers listed and controller online; a standby: ready) and /metrics' })
      .option('log-level', { type: 'string', default: 'info', choices: ['error', 'warn', 'info', 'debug'] })
      .option('log-format', { type: 'string', choices: ['json', 'text'], describe: 'default: text on a terminal, json otherwise' }),
  handler: async (argv) => {
    const log = createLogger({ level: argv['log-level'] as string, format: argv['log-format'] as LogFormat | undefined });
    try {
      const port = checkPort('port', argv.port);
      for (const flag of ['namespace', 'identity-secret', 'lease-name'] as const) {
        const v = argv[flag];
        if (typeof v !== 'string' || !NAME.test(v)) throw new ConfigError(`--${flag} must be a Kubernetes object name (lower-case letters, digits, '-' and '.'), got ${JSON.stringify(v)}`);
      }
      const nadNamespaces = (argv['nad-namespaces'] as string[] | undefined) ?? [];
      for (const ns of nadNamespaces) if (typeof ns !== 'string' || !NAME.test(ns)) throw new ConfigError(`--nad-namespaces must list Kubernetes namespace names, got ${JSON.stringify(ns)}`);
      const cniSocket = argv['cni-socket'];
      if (typeof cniSocket !== 'string' || !cniSocket.startsWith('/')) throw new ConfigError(`--cni-socket must be an absolute path, got ${JSON.stringify(cniSocket)}`);
      const health = parseHealthAddr(argv['health-addr'], '0.0.0.0:9995');
      const timings = { leaseDurationMs: parseDurationMs('lease-duration', argv['lease-duration']), renewDeadlineMs: parseDurationMs('renew-deadline', argv['renew-deadline']), retryPeriodMs: parseDurationMs('retry-period', argv['retry-period']) };
      const { checkElectionTimings, LeaderElector } = await import('../kube/operator/leader-election.js');
      const flagOf = { leaseDurationMs: '--lease-duration', renewDeadlineMs: '--renew-deadline', retryPeriodMs: '--retry-period' };
      checkElectionTimings(timings, (k) => flagOf[k]);
      const bind = checkBind(argv.bind);
      const { Operator } = await import('../kube/operator/operator.js');
      const { KubeLeaseLock } = await import('../kube/operator/kube-lease-lock.js');
      const { ElectedRun } = await import('../kube/operator/elected-run.js');
      const kc = await loadKubeConfig(argv.kubeconfig as string | undefined);
      const namespace = argv.namespace as string;
      const operator = new Operator({ kc, namespace, identitySecret: argv['identity-secret'] as string, home: argv.home as string, port, bind, nadNamespaces, cniSocket, log, safety: safetyFromEnv(process.env.ZTKUBE_SAFETY) });
      // client-go's identity form: who (the pod's name is its hostname) plus a random part, so
      // a restarted pod of the same name is a new candidate rather than the old leader.
      const identity = `${process.env.POD_NAME || hostname()}_${toHex(secureRandomBytes(4))}`;
      const elector = argv['leader-elect'] === false ? null : new LeaderElector({
        ...timings, identity, lock: new KubeLeaseLock(kc, namespace, argv['lease-name'] as string), log: log.child({ component: 'leader-election' }),
        // Stop acting at once: the controller identity must not run beside the next leader's.
        // Kubernetes restarts the pod, which then stands as a candidate again.
        onLost: (reason) => {
          log.error('leader election lost; exiting', { reason, identity });
          process.exit(1);
        },
      });
      const stopAsked = whenStopAsked(() => setTimeout(() => process.exit(process.exitCode ?? 0), STOP_GRACE_MS).unref());
      const run = new ElectedRun({ elector, operator, log });
      const { HealthServer } = await import('../kube/health-server.js');
      const { OperatorHealth } = await import('../kube/operator/operator-health.js');
      const probes = new HealthServer(health.host, health.port, new OperatorHealth({ isLeader: () => elector?.isLeader ?? true, operator }));
      await probes.start();
      log.info('health endpoint listening', { addr: `${health.host}:${probes.listeningPort}` });
      const stopped = stopAsked.then(() =>
        run.shutdown().then(() => probes.stop()).catch((e: Error) => {
          log.error('stop failed', { error: e.message });
          process.exitCode = 1;
        }),
      );
      if (elector) log.info('waiting for leadership', { lease: `${namespace}/${argv['lease-name'] as string}`, identity });
      try {
        await run.start();
      } catch (e) {
        // Give the Lease up before failing, so another replica need not wait it out.
        await run.shutdown().catch((err: Error) => log.warn('stop after a failed start failed', { error: err.message }));
        await probes.stop();
        throw e;
      }
      await stopped;
    } catch (e) {
      if (!(e instanceof ZtkubeError)) throw e;
      process.stderr.write(`ztkube operator: ${e.message}\n`);
      process.exit(e instanceof ConfigError ? 2 : 1);
    }
  },
};
