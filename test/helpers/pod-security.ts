// The part of a pod's securityContext a test kubelet can enforce on a plain process, through
// setpriv(1): the user and groups (runAsUser, runAsGroup, fsGroup as a supplementary group),
// runAsNonRoot, allowPrivilegeEscalation: false (no_new_privs), and the capabilities a
// container gets — containerd's default set, minus `drop`, plus `add` (privileged: all) — as
// the bounding set, so a process needing more than the chart grants fails here too.
// readOnlyRootFilesystem and seccompProfile are accepted and not enforced (no mount namespace,
// no seccomp filter here). Any other key is refused.
import type { Json } from './cluster-lab.js';

/** containerd's default capabilities for a container (oci.DefaultSpec / defaultUnixCaps). */
const RUNTIME_DEFAULT_CAPS = ['chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid', 'setfcap', 'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write'];
const POD_KEYS = new Set(['runAsNonRoot', 'runAsUser', 'runAsGroup', 'fsGroup', 'seccompProfile']);
const CONTAINER_KEYS = new Set(['runAsNonRoot', 'runAsUser', 'runAsGroup', 'allowPrivilegeEscalation', 'readOnlyRootFilesystem', 'capabilities', 'privileged', 'seccompProfile']);

export interface ProcessSecurity {
  uid: number;
  gid: number;
  fsGroup: number | null;
  /** setpriv and its arguments, to put before the container's command. */
  prefix: string[];
}

function refuse(what: string, value: unknown): never {
  throw new Error(`workload runner: ${what} is not understood: ${JSON.stringify(value)}`);
}

function checkKeys(where: string, o: Json, allowed: Set<string>): void {
  for (const k of Object.keys(o ?? {})) if (!allowed.has(k)) refuse(`${where}.${k}`, o[k]);
}

export function podFsGroup(podSpec: Json): number | null {
  checkKeys('pod securityContext', podSpec.securityContext, POD_KEYS);
  return typeof podSpec.securityContext?.fsGroup === 'number' ? podSpec.securityContext.fsGroup : null;
}

export function processSecurity(podSpec: Json, container: Json): ProcessSecurity {
  const pod = (podSpec.securityContext ?? {}) as Json;
  const own = (container.securityContext ?? {}) as Json;
  checkKeys('pod securityContext', pod, POD_KEYS);
  checkKeys(`container ${container.name} securityContext`, own, CONTAINER_KEYS);
  const uid = (own.runAsUser ?? pod.runAsUser ?? 0) as number;
  const gid = (own.runAsGroup ?? pod.runAsGroup ?? 0) as number;
  const fsGroup = podFsGroup(podSpec);
  if ((own.runAsNonRoot ?? pod.runAsNonRoot) === true && uid === 0) refuse(`container ${container.name}: runAsNonRoot without a non-zero runAsUser`, own);
  checkKeys(`container ${container.name} securityContext.capabilities`, own.capabilities, new Set(['add', 'drop']));
  const drop = ((own.capabilities?.drop ?? []) as string[]).map((c) => c.toLowerCase());
  const add = ((own.capabilities?.add ?? []) as string[]).map((c) => c.toLowerCase());
  const caps = own.privileged === true ? null : [...new Set([...(drop.includes('all') ? [] : RUNTIME_DEFAULT_CAPS.filter((c) => !drop.includes(c))), ...add])];
  const prefix = ['setpriv', '--reuid', String(uid), '--regid', String(gid), ...(fsGroup === null ? ['--clear-groups'] : ['--groups', String(fsGroup)])];
  if (caps !== null) prefix.push('--bounding-set', ['-all', ...caps.map((c) => `+${c}`)].join(','), '--inh-caps', '-all');
  if (own.allowPrivilegeEscalation === false) prefix.push('--no-new-privs');
  return { uid, gid, fsGroup, prefix: [...prefix, '--'] };
}
