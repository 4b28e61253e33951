// Label selectors (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`) and field
// selectors (`f=v`, `f==v`, `f!=v` over the fields a type declares selectable), parsed once
// per request. A bad selector is a 400 naming it, as the real server answers.
import { badRequest } from './kube-error.js';
import { isPlainObject, type KubeObject } from './kube-object.js';

type Requirement = { key: string; op: 'in' | 'notin' | 'exists' | '!exists'; values: string[] };

export type Selector = (obj: KubeObject) => boolean;

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function parseLabelSelector(text: string): Selector {
  const reqs: Requirement[] = splitTopLevel(text).map((part) => {
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    let r: Requirement;
    if (m) r = { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()).filter((v) => v !== '') };
    else if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part))) r = { key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] };
    else if ((m = /^!\s*(\S+)$/.exec(part))) r = { key: m[1], op: '!exists', values: [] };
    else if (/^\S+$/.test(part)) r = { key: part, op: 'exists', values: [] };
    else throw badRequest(`unable to parse requirement: found '${part}', expected: key, !key, key=value, key!=value, key in (values) or key notin (values)`);
    if (!LABEL_KEY.test(r.key)) throw badRequest(`unable to parse requirement: invalid label key "${r.key}"`);
    for (const v of r.values) if (!LABEL_VALUE.test(v) || v.length > 63) throw badRequest(`unable to parse requirement: invalid label value: "${v}"`);
    return r;
  });
  return (obj) => {
    const labels = obj.metadata.labels ?? {};
    return reqs.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(labels, r.key);
      switch (r.op) {
        case 'exists': return has;
        case '!exists': return !has;
        case 'in': return has && r.values.includes(labels[r.key]);
        case 'notin': return !has || !r.values.includes(labels[r.key]);
      }
    });
  };
}

/** The value a field selector compares: the field as text, "" when absent (booleans "true"/"false"). */
function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const k of path.split('.')) cur = isPlainObject(cur) ? cur[k] : undefined;
  if (cur === undefined || cur === null) return '';
  // An Event's `source` selects on its component, as the real server's field set does.
  if (isPlainObject(cur) && path === 'source') return String(cur.component ?? '');
  return String(cur);
}

export function parseFieldSelector(text: string, selectable: string[]): Selector {
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...selectable]);
  const reqs = splitTopLevel(text).map((part) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    if (!allowed.has(m[1])) throw badRequest(`field label not supported: ${m[1]}`);
    return { path: m[1], isEqual: m[2] !== '!=', value: m[3].trim() };
  });
  return (obj) => reqs.every((r) => (fieldValue(obj, r.path) === r.value) === r.isEqual);
}
