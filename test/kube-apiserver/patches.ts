// The three patch forms the server applies: JSON merge patch (RFC 7386), JSON patch
// (RFC 6902) and Kubernetes' strategic merge patch for built-in types (lists merged by the
// patchMergeKey of the Go types, `$patch`, `$deleteFromPrimitiveList/…`, `$setElementOrder/…`,
// `$retainKeys` directives). A patch that cannot apply throws PatchError, answered 422.
import { deepCopy, deepEqual, isPlainObject } from './kube-object.js';

export class PatchError extends Error {}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepCopy(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`JSON patch path ${JSON.stringify(path)} must start with "/"`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[], path: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isPlainObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw new PatchError(`JSON patch path ${JSON.stringify(path)}: missing ancestor`);
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw new PatchError(`JSON patch path ${JSON.stringify(path)}: parent is not an object or array`);
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function getAt(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isPlainObject(cur) ? cur[t] : undefined;
    if (cur === undefined) throw new PatchError(`JSON patch path ${JSON.stringify(path)} does not exist`);
  }
  return cur;
}

function remove(doc: unknown, path: string): unknown {
  const { parent, key } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new PatchError(`JSON patch remove: index ${key} out of range at ${JSON.stringify(path)}`);
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) throw new PatchError(`JSON patch remove: ${JSON.stringify(path)} does not exist`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function add(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return deepCopy(value);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (replace && i >= parent.length)) throw new PatchError(`JSON patch: index ${key} out of range at ${JSON.stringify(path)}`);
    parent.splice(i, replace ? 1 : 0, deepCopy(value));
  } else {
    if (replace && !(key in parent)) throw new PatchError(`JSON patch replace: ${JSON.stringify(path)} does not exist`);
    parent[key] = deepCopy(value);
  }
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
  let doc = deepCopy(target);
  for (const [i, op] of ops.entries()) {
    if (!isPlainObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new PatchError(`JSON patch operation ${i} needs "op" and "path"`);
    switch (op.op) {
      case 'add': doc = add(doc, op.path, op.value, false); break;
      case 'replace': doc = add(doc, op.path, op.value, true); break;
      case 'remove': remove(doc, op.path); break;
      case 'move': { if (typeof op.from !== 'string') throw new PatchError(`JSON patch operation ${i} needs "from"`); const v = remove(doc, op.from); doc = add(doc, op.path, v, false); break; }
      case 'copy': { if (typeof op.from !== 'string') throw new PatchError(`JSON patch operation ${i} needs "from"`); doc = add(doc, op.path, getAt(doc, op.from), false); break; }
      case 'test': if (!deepEqual(getAt(doc, op.path), op.value)) throw new PatchError(`JSON patch test failed at ${JSON.stringify(op.path)}`); break;
      default: throw new PatchError(`JSON patch operation ${i}: unknown op ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}

/**
 * patchMergeKey of the list fields of the built-in types we serve, by field name (the Go
 * types' `patchStrategy:"merge"` tags). Lists not named here are replaced; `finalizers`
 * merges as a set of strings.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name', initContainers: 'name', ephemeralContainers: 'name', volumes: 'name', env: 'name',
  ports: 'containerPort', volumeMounts: 'mountPath', volumeDevices: 'devicePath', imagePullSecrets: 'name',
  conditions: 'type', addresses: 'type', ownerReferences: 'uid', taints: 'key', podIPs: 'ip', hostAliases: 'ip',
  containerStatuses: 'name', initContainerStatuses: 'name',
};
const PRIMITIVE_MERGE = new Set(['finalizers']);

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepCopy(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as unknown[]).filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v) && MERGE_KEYS[k] !== undefined) out[k] = mergeList(Array.isArray(out[k]) ? (out[k] as unknown[]) : [], v, MERGE_KEYS[k]);
    else if (Array.isArray(v) && PRIMITIVE_MERGE.has(k)) {
      const cur = Array.isArray(out[k]) ? [...(out[k] as unknown[])] : [];
      for (const x of v) if (!cur.some((c) => deepEqual(c, x))) cur.push(x);
      out[k] = cur;
    } else if (isPlainObject(v)) {
      const merged = strategicMergePatch(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = deepCopy(v);
  }
  return out;
}

function mergeList(current: unknown[], patch: unknown[], key: string): unknown[] {
  if (patch.some((p) => isPlainObject(p) && p.$patch === 'replace')) return patch.filter((p) => !(isPlainObject(p) && p.$patch === 'replace')).map(stripDirectives);
  const out = [...current];
  for (const p of patch) {
    if (!isPlainObject(p) || p[key] === undefined) throw new PatchError(`strategic merge patch: a list element lacks its merge key "${key}"`);
    const i = out.findIndex((c) => isPlainObject(c) && deepEqual(c[key], p[key]));
    if (p.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = strategicMergePatch(out[i], p);
    else out.push(stripDirectives(p));
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isPlainObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('$')).map(([k, x]) => [k, stripDirectives(x)]));
}
