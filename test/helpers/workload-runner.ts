// A test kubelet for the chart's workloads (the test API server has no controllers): reads an
// applied Deployment or DaemonSet from the API and runs its pods' containers as processes in
// the cluster lab's namespaces, the way a kubelet with the image would:
//   - the image's entrypoint is `ztkube` (this repo's dist/cmd/ztkube.js); a `command` of
//     `node …` runs this Node; args and command get Kubernetes' $(VAR) expansion from the env
//   - env: `value`, or `valueFrom.fieldRef` of spec.nodeName, metadata.namespace, metadata.name;
//     nothing else is inherited but PATH, ZTKUBE_SAFETY=test (the tests' safety policy) and
//     KUBECONFIG: a kubeconfig whose user is the pod's ServiceAccount token (client-node reads
//     $KUBECONFIG before the in-cluster files, whose paths it fixes)
//   - volumes: hostPath through the node's host filesystem (`hostPaths`, given by the test),
//     emptyDir a fresh dir per pod, configMap its data and binaryData written as files. A
//     process sees the host's paths, not a mount namespace, so every occurrence of a mountPath
//     in a container's command and args (a whole path or its prefix: after the start, '=', a
//     space, quote, '(' or ',', and before the end, '/', a space, quote, ')' or ',') is replaced
//     by the directory backing that volume, in one pass, longest mountPath first
//   - securityContext through setpriv (test/helpers/pod-security.ts): user, groups, capabilities
//   - init containers run to completion in order; then the containers start; liveness and
//     readiness httpGet probes (port by number or by the container's port name) are polled
//     inside the pod's network namespace until both answer 200
//   - a pod runs in the lab namespace its slot names: for hostNetwork pods that must be their
//     node's own; for the others a namespace that is no node's (the pod's network)
// Anything else in the pod spec fails the run with the field's name, so the chart cannot grow a
// field this runner would silently ignore. Accepted without effect in a lab (listed, on
// purpose): image, imagePullPolicy, resources, readOnlyRootFilesystem, seccompProfile, dnsPolicy, priorityClassName,
// terminationGracePeriodSeconds, tolerations, mountPropagation, readOnly, probe timings.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { repoRoot } from './shared.js';
import type { LabHost } from './netns.js';
import type { ClusterLab, Json } from './cluster-lab.js';
import { podFsGroup, processSecurity } from './pod-security.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');

const POD_SPEC_KEYS = new Set(['serviceAccountName', 'hostNetwork', 'dnsPolicy', 'priorityClassName', 'terminationGracePeriodSeconds', 'nodeSelector', 'tolerations', 'securityContext', 'initContainers', 'containers', 'volumes']);
const CONTAINER_KEYS = new Set(['name', 'image', 'imagePullPolicy', 'command', 'args', 'env', 'ports', 'livenessProbe', 'readinessProbe', 'securityContext', 'resources', 'volumeMounts']);
const PROBE_KEYS = new Set(['httpGet', 'periodSeconds', 'failureThreshold', 'initialDelaySeconds', 'timeoutSeconds', 'successThreshold']);
const MOUNT_KEYS = new Set(['name', 'mountPath', 'readOnly', 'mountPropagation']);
const PROBE_WAIT_MS = 60_000;
const WORKLOAD_KEYS: Record<string, Set<string>> = {
  Deployment: new Set(['replicas', 'selector', 'template', 'strategy', 'revisionHistoryLimit', 'progressDeadlineSeconds', 'minReadySeconds']),
  DaemonSet: new Set(['selector', 'template', 'updateStrategy', 'revisionHistoryLimit', 'minReadySeconds']),
};
const PORT_KEYS = new Set(['name', 'containerPort', 'protocol']);
const FIELD_PATHS = new Set(['spec.nodeName', 'metadata.namespace', 'metadata.name']);

/** Where one pod runs: its name, the Node it is scheduled to, and the lab namespace it runs in. */
export interface PodSlot {
  name: string;
  nodeName: string;
  host: LabHost;
}

export interface RunningPod {
  slot: PodSlot;
  containers: ChildProcess[];
  /** The directory backing each volume, by volume name. */
  volumes: Record<string, string>;
}

export interface WorkloadRunnerOptions {
  lab: ClusterLab;
  /** API server URL as the pods reach it. */
  server: string;
  /** Bearer token per ServiceAccount "namespace/name". */
  tokens: Record<string, string>;
  /** A node's host filesystem: the directory standing for a hostPath (null: the runner refuses it). */
  hostPaths(nodeName: string, path: string): string | null;
}

function refuse(what: string, value: unknown): never {
  throw new Error(`workload runner: ${what} is not understood: ${JSON.stringify(value)}`);
}

function onlyKeys(where: string, o: Json, allowed: Set<string>): void {
  for (const k of Object.keys(o ?? {})) if (!allowed.has(k)) refuse(`${where}.${k}`, o[k]);
}

/** Kubernetes' $(VAR) expansion in command and args ($$ escapes; unknown names stay as written). */
function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (name === undefined ? '$' : env[name] ?? m));
}

/** One pass, longest mountPath first, so a replacement is never rewritten again by a shorter one. */
function rewritePaths(s: string, mounts: Array<[string, string]>): string {
  if (mounts.length === 0) return s;
  const to = new Map(mounts);
  const alternatives = mounts.map(([from]) => from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return s.replace(new RegExp(`(?<=^|[=\\s'"(,])(${alternatives})(?=$|[/'"\\s,)])`, 'g'), (m) => to.get(m)!);
}

function kubeconfigFor(server: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'pod',
    clusters: [{ name: 'cluster', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'sa', user: { token } }],
    contexts: [{ name: 'pod', context: { cluster: 'cluster', user: 'sa', namespace: 'ztkube-system' } }],
  });
}

export function createWorkloadRunner(opts: WorkloadRunnerOptions): { run(kind: 'deployment' | 'daemonset', namespace: string, name: string, slots: PodSlot[]): Promise<RunningPod[]> } {
  const { lab } = opts;

  const volumesOf = (spec: Json, namespace: string, slot: PodSlot, podDir: string): Record<string, string> => {
    // The kubelet gives emptyDir and configMap volumes to the pod's fsGroup (setgid, group-writable).
    const fsGroup = podFsGroup(spec);
    const ownByFsGroup = (dir: string): void => {
      if (fsGroup === null) return;
      chownSync(dir, 0, fsGroup);
      chmodSync(dir, 0o2775);
    };
    const out: Record<string, string> = {};
    for (const v of (spec.volumes ?? []) as Json[]) {
      const kinds = Object.keys(v).filter((k) => k !== 'name');
      if (kinds.length !== 1) refuse(`volume ${v.name}`, v);
      const kind = kinds[0]!;
      if (kind === 'emptyDir') {
        onlyKeys(`volume ${v.name}.emptyDir`, v.emptyDir, new Set());
        out[v.name] = join(podDir, 'volumes', v.name);
        mkdirSync(out[v.name]!, { recursive: true });
        ownByFsGroup(out[v.name]!);
      } else if (kind === 'hostPath') {
        onlyKeys(`volume ${v.name}.hostPath`, v.hostPath, new Set(['path', 'type']));
        const dir = opts.hostPaths(slot.nodeName, v.hostPath.path);
        if (dir === null) refuse(`hostPath ${v.hostPath.path} (volume ${v.name})`, v.hostPath);
        const type = v.hostPath.type ?? '';
        if (type === 'DirectoryOrCreate') mkdirSync(dir, { recursive: true });
        else if (type === 'CharDevice') assert.ok(existsSync(dir) && statSync(dir).isCharacterDevice(), `hostPath ${v.hostPath.path} is a character device`);
        else refuse(`hostPath type of volume ${v.name}`, type);
        out[v.name] = dir;
      } else if (kind === 'configMap') {
        onlyKeys(`volume ${v.name}.configMap`, v.configMap, new Set(['name']));
        const cm = lab.kJson(['-n', namespace, 'get', 'configmap', v.configMap.name]);
        assert.ok(cm, `ConfigMap ${v.configMap.name} for volume ${v.name} exists`);
        const dir = join(podDir, 'volumes', v.name);
        mkdirSync(dir, { recursive: true });
        for (const [k, text] of Object.entries((cm.data ?? {}) as Record<string, string>)) writeFileSync(join(dir, k), text);
        for (const [k, b64] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) writeFileSync(join(dir, k), Buffer.from(b64, 'base64'));
        ownByFsGroup(dir);
        out[v.name] = dir;
      } else refuse(`volume kind ${kind} (volume ${v.name})`, v[kind]);
    }
    return out;
  };

  const envOf = (c: Json, slot: PodSlot, namespace: string): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const e of (c.env ?? []) as Json[]) {
      onlyKeys(`container ${c.name} env ${e.name}`, e, new Set(['name', 'value', 'valueFrom']));
      if (e.valueFrom === undefined) {
        env[e.name] = expand(String(e.value ?? ''), env);
        continue;
      }
      onlyKeys(`container ${c.name} env ${e.name}.valueFrom`, e.valueFrom, new Set(['fieldRef']));
      const path = e.valueFrom.fieldRef?.fieldPath;
      if (!FIELD_PATHS.has(path)) refuse(`container ${c.name} env ${e.name} fieldPath`, path);
      env[e.name] = path === 'spec.nodeName' ? slot.nodeName : path === 'metadata.namespace' ? namespace : slot.name;
    }
    return env;
  };

  /** The process for one container: [executable, ...args] with paths rewritten, and its env. */
  /** The process for one container: setpriv (its securityContext), `env -i` (its env alone), the entrypoint and args with paths rewritten. */
  const processOf = (c: Json, slot: PodSlot, namespace: string, podSpec: Json, volumes: Record<string, string>, kubeconfig: string): string[] => {
    onlyKeys(`container ${c.name}`, c, CONTAINER_KEYS);
    const mounts: Array<[string, string]> = [];
    for (const m of (c.volumeMounts ?? []) as Json[]) {
      onlyKeys(`container ${c.name} volumeMount ${m.name}`, m, MOUNT_KEYS);
      const dir = volumes[m.name];
      assert.ok(dir, `container ${c.name} mounts volume ${m.name}, which the pod declares`);
      mounts.push([m.mountPath, dir]);
    }
    mounts.sort((a, b) => b[0].length - a[0].length);
    for (const port of (c.ports ?? []) as Json[]) onlyKeys(`container ${c.name} port ${port.name ?? port.containerPort}`, port, PORT_KEYS);
    const env = envOf(c, slot, namespace);
    const command = ((c.command ?? ['ztkube']) as string[]).map((s) => rewritePaths(expand(s, env), mounts));
    const args = ((c.args ?? []) as string[]).map((s) => rewritePaths(expand(s, env), mounts));
    const entry = command[0] === 'ztkube' ? [process.execPath, cli] : command[0] === 'node' ? [process.execPath] : refuse(`container ${c.name} command`, c.command);
    const security = processSecurity(podSpec, c);
    const all = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ZTKUBE_SAFETY: 'test', KUBECONFIG: kubeconfig, ...env };
    return [...security.prefix, 'env', '-i', ...Object.entries(all).map(([k, v]) => `${k}=${v}`), ...entry, ...command.slice(1), ...args];
  };

  const probe = (slot: PodSlot, c: Json, which: 'livenessProbe' | 'readinessProbe'): { status: number; body: string } | null => {
    const p = c[which];
    if (p === undefined) return null;
    onlyKeys(`container ${c.name} ${which}`, p, PROBE_KEYS);
    if (p.httpGet === undefined) refuse(`container ${c.name} ${which} (only httpGet)`, p);
    onlyKeys(`container ${c.name} ${which}.httpGet`, p.httpGet, new Set(['path', 'port']));
    const port = typeof p.httpGet.port === 'number' ? p.httpGet.port : ((c.ports ?? []) as Json[]).find((x) => x.name === p.httpGet.port)?.containerPort;
    assert.ok(typeof port === 'number', `container ${c.name} ${which} port ${p.httpGet.port} names one of its ports`);
    const script = "try { const r = await fetch(process.argv[1]); process.stdout.write(r.status + ' ' + (await r.text())); } catch (e) { process.stdout.write('0 ' + e.message); }";
    const out = lab.lab.exec(slot.host, process.execPath, ['--input-type=module', '-e', script, `http://127.0.0.1:${port}${p.httpGet.path ?? '/'}`]);
    const sp = out.indexOf(' ');
    return { status: Number(out.slice(0, sp)), body: out.slice(sp + 1) };
  };

  const runPod = async (obj: Json, slot: PodSlot): Promise<RunningPod> => {
    const namespace = obj.metadata.namespace as string;
    const spec = obj.spec.template.spec;
    onlyKeys(`${obj.kind} ${obj.metadata.name} pod spec`, spec, POD_SPEC_KEYS);
    const node = lab.kJson(['get', 'node', slot.nodeName]);
    assert.ok(node, `${slot.name} is scheduled to Node ${slot.nodeName}, which exists`);
    const isNodeNetns = lab.nodes.some((h) => h === slot.host);
    if (spec.hostNetwork === true) assert.equal(slot.host.name, slot.nodeName, `${slot.name} (hostNetwork) runs in its node's namespace`);
    else assert.ok(!isNodeNetns, `${slot.name} (pod network) runs in a namespace of its own, not node ${slot.host.name}'s`);
    const nodeLabels = (node.metadata?.labels ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries((spec.nodeSelector ?? {}) as Record<string, string>)) assert.equal(nodeLabels[k], v, `node ${slot.nodeName} matches the pod's nodeSelector ${k}=${v}`);
    const sa = `${namespace}/${spec.serviceAccountName ?? 'default'}`;
    assert.ok(lab.kJson(['-n', namespace, 'get', 'serviceaccount', spec.serviceAccountName ?? 'default']), `ServiceAccount ${sa} exists`);
    const token = opts.tokens[sa];
    assert.ok(token, `a token for ServiceAccount ${sa}`);
    const podDir = join(lab.work, 'pods', slot.name);
    mkdirSync(podDir, { recursive: true });
    const kubeconfig = join(podDir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor(opts.server, token), { mode: 0o600 });
    // A projected token is readable by the pod's fsGroup (else its user): as the kubelet mounts it.
    const fsGroup = podFsGroup(spec);
    if (fsGroup !== null) {
      chownSync(kubeconfig, 0, fsGroup);
      chmodSync(kubeconfig, 0o640);
    } else if (typeof spec.securityContext?.runAsUser === 'number') chownSync(kubeconfig, spec.securityContext.runAsUser, 0);
    const volumes = volumesOf(spec, namespace, slot, podDir);
    for (const c of (spec.initContainers ?? []) as Json[]) {
      const [cmd, ...argv] = processOf(c, slot, namespace, spec, volumes, kubeconfig);
      const out = lab.lab.exec(slot.host, cmd!, argv);
      lab.logs[`${slot.name}/${c.name}`] = out;
    }
    const containers = ((spec.containers ?? []) as Json[]).map((c) => {
      const [cmd, ...argv] = processOf(c, slot, namespace, spec, volumes, kubeconfig);
      return lab.startIn(slot.host, `${slot.name}/${c.name}`, argv, cmd);
    });
    // Polled until each answers 200; a container that exits meanwhile fails the run at once.
    for (const c of (spec.containers ?? []) as Json[]) {
      for (const which of ['livenessProbe', 'readinessProbe'] as const) {
        const until = Date.now() + PROBE_WAIT_MS;
        for (let last = probe(slot, c, which); last !== null && last.status !== 200; last = probe(slot, c, which)) {
          const exited = containers.find((x) => x.exitCode !== null || x.signalCode !== null);
          if (exited) throw new Error(`${slot.name}: a container exited (${exited.exitCode ?? exited.signalCode}) before its ${which} passed: ${lab.logs[`${slot.name}/${c.name}`]?.slice(-2000)}`);
          if (Date.now() > until) throw new Error(`${slot.name}/${c.name}: ${which} still answers ${last.status} ${last.body}`);
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    }
    return { slot, containers, volumes };
  };

  return {
    async run(kind, namespace, name, slots) {
      const obj = lab.kJson(['-n', namespace, 'get', kind, name]);
      assert.ok(obj, `${kind} ${namespace}/${name} was applied`);
      onlyKeys(`${obj.kind} ${name} spec`, obj.spec, WORKLOAD_KEYS[obj.kind]!);
      onlyKeys(`${obj.kind} ${name} spec.selector`, obj.spec.selector, new Set(['matchLabels']));
      onlyKeys(`${obj.kind} ${name} spec.template.metadata`, obj.spec.template.metadata, new Set(['labels', 'annotations']));
      // The controllers own only pods their selector matches: a template it misses would never run.
      const labels = (obj.spec.template.metadata?.labels ?? {}) as Record<string, string>;
      for (const [k, v] of Object.entries((obj.spec.selector?.matchLabels ?? {}) as Record<string, string>)) assert.equal(labels[k], v, `${obj.kind} ${name}: the template has the selector's label ${k}=${v}`);
      if (kind === 'deployment') assert.equal(obj.spec.replicas ?? 1, slots.length, `${name}: one slot per replica`);
      // Every replica at once, as the controllers create them.
      return Promise.all(slots.map((slot) => runPod(obj, slot)));
    },
  };
}
