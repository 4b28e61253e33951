// Optional authentication and RBAC (off unless `enforceRbac`): bearer tokens the server
// mints for ServiceAccounts, authorized against the stored Roles, ClusterRoles and their
// bindings as Kubernetes' RBAC authorizer does (plugin/pkg/auth/authorizer/rbac), refusing
// with the same 401 and 403 Status objects. A request without a token is the test's own
// client and is allowed everything (a real server would treat it as anonymous).
import { randomBytes } from 'node:crypto';
import { KubeApiError } from './kube-error.js';
import { isPlainObject, type KubeObject } from './kube-object.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRequest } from './request-info.js';

export interface UserInfo {
  name: string;
  groups: string[];
  /** Set for ServiceAccounts: their namespace and name. */
  serviceAccount?: { namespace: string; name: string };
}

/** What one request asks to do, in the authorizer's terms. */
export interface RequestAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource: string | undefined;
  namespace: string | undefined;
  name: string | undefined;
}

const RBAC = 'rbac.authorization.k8s.io';

/** The RBAC verb of an HTTP request on a resource URL. */
export function verbOf(method: string, r: ResourceRequest, query: URLSearchParams): string {
  const watch = query.get('watch');
  switch (method) {
    case 'GET':
      if (r.name === undefined) return watch === 'true' || watch === '1' ? 'watch' : 'list';
      return 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return r.name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

function has(list: unknown, value: string): boolean {
  return Array.isArray(list) && (list.includes('*') || list.includes(value));
}

function ruleAllows(rule: unknown, a: RequestAttributes): boolean {
  if (!isPlainObject(rule)) return false;
  if (!has(rule.verbs, a.verb) || !has(rule.apiGroups, a.group)) return false;
  const resources = rule.resources;
  const wanted = a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`;
  const isResourceAllowed = Array.isArray(resources) && (resources.includes('*') || resources.includes(wanted) || (a.subresource !== undefined && resources.includes(`*/${a.subresource}`)));
  if (!isResourceAllowed) return false;
  const names = rule.resourceNames;
  if (!Array.isArray(names) || names.length === 0) return true;
  // A rule limited to names cannot allow create (no name yet) or list/watch of everything.
  return a.name !== undefined && names.includes(a.name);
}

function subjectMatches(subject: unknown, user: UserInfo, bindingNamespace: string | undefined): boolean {
  if (!isPlainObject(subject)) return false;
  if (subject.kind === 'ServiceAccount') {
    const ns = typeof subject.namespace === 'string' && subject.namespace !== '' ? subject.namespace : bindingNamespace;
    return user.serviceAccount !== undefined && user.serviceAccount.name === subject.name && user.serviceAccount.namespace === ns;
  }
  if (subject.kind === 'User') return subject.name === user.name;
  if (subject.kind === 'Group') return typeof subject.name === 'string' && user.groups.includes(subject.name);
  return false;
}

export class RbacAuthorizer {
  private readonly tokens = new Map<string, UserInfo>();
  /** Every refusal, as `<user> cannot <verb> <resource>[/<sub>] [<name>] in <namespace or cluster>` (for tests to show). */
  readonly denials: string[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly onDenied: (line: string) => void = () => undefined,
  ) {}

  /**
   * Accepts `token` as user `name`, as a line of kube-apiserver's --token-auth-file does. A name
   * `system:serviceaccount:<ns>:<sa>` is that ServiceAccount, with its groups, valid while it exists.
   */
  addToken(token: string, name: string, groups: string[] = []): void {
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
    const user: UserInfo = sa
      ? { name, groups: ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`, ...groups], serviceAccount: { namespace: sa[1], name: sa[2] } }
      : { name, groups };
    user.groups.push('system:authenticated');
    this.tokens.set(token, user);
  }

  /** A new bearer token for ServiceAccount namespace/name. */
  tokenFor(namespace: string, name: string): string {
    const token = randomBytes(24).toString('base64url');
    this.addToken(token, `system:serviceaccount:${namespace}:${name}`);
    return token;
  }

  /** The user behind an Authorization header; undefined for none (the test's own client); 401 for an unknown token. */
  authenticate(header: string | undefined): UserInfo | undefined {
    if (header === undefined) return undefined;
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const user = m ? this.tokens.get(m[1]) : undefined;
    const sa = user?.serviceAccount;
    if (user === undefined || (sa !== undefined && this.store.get('/serviceaccounts', sa.namespace, sa.name) === undefined)) throw new KubeApiError(401, 'Unauthorized', 'Unauthorized');
    return user;
  }

  private rulesOf(kind: unknown, name: unknown, namespace: string | undefined): unknown[] {
    if (typeof name !== 'string') return [];
    const role = kind === 'ClusterRole' ? this.store.get(`${RBAC}/clusterroles`, undefined, name) : kind === 'Role' && namespace !== undefined ? this.store.get(`${RBAC}/roles`, namespace, name) : undefined;
    return role !== undefined && Array.isArray(role.rules) ? role.rules : [];
  }

  isAllowed(user: UserInfo, a: RequestAttributes): boolean {
    const bindings: { b: KubeObject; ns: string | undefined }[] = this.store.list(`${RBAC}/clusterrolebindings`, undefined).map((b) => ({ b, ns: undefined }));
    if (a.namespace !== undefined) for (const b of this.store.list(`${RBAC}/rolebindings`, a.namespace)) bindings.push({ b, ns: a.namespace });
    for (const { b, ns } of bindings) {
      if (!Array.isArray(b.subjects) || !b.subjects.some((s) => subjectMatches(s, user, ns))) continue;
      const ref = isPlainObject(b.roleRef) ? b.roleRef : {};
      if (this.rulesOf(ref.kind, ref.name, ns).some((r) => ruleAllows(r, a))) return true;
    }
    return false;
  }

  /** Throws the real server's 403 when the user may not do it. */
  authorize(user: UserInfo, a: RequestAttributes): void {
    if (this.isAllowed(user, a)) return;
    const resource = a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`;
    const qualified = a.group === '' ? a.resource : `${a.resource}.${a.group}`;
    const where = a.namespace === undefined ? 'at the cluster scope' : `in the namespace "${a.namespace}"`;
    const subject = a.name === undefined ? `${qualified} is forbidden` : `${qualified} "${a.name}" is forbidden`;
    const line = `${user.name} cannot ${a.verb} ${resource}${a.name === undefined ? '' : ` ${a.name}`} ${a.namespace === undefined ? 'cluster-wide' : `in ${a.namespace}`}`;
    this.denials.push(line);
    this.onDenied(line);
    throw new KubeApiError(403, 'Forbidden', `${subject}: User "${user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${where}`, {
      ...(a.name === undefined ? {} : { name: a.name }),
      ...(a.group === '' ? {} : { group: a.group }),
      kind: a.resource,
    });
  }
}
