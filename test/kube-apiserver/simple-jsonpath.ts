// The subset of Kubernetes JSONPath that additionalPrinterColumns use: `.a.b`, `.a[0]`,
// `.a[*].b`, `.a['x.y']` and filters `[?(@.type=="Ready")]` (== and !=, string or number).
// Evaluates to every match, in document order; an empty list when nothing matches.

type Step = { key: string } | { index: number } | { all: true } | { filter: { path: string[]; op: '==' | '!='; value: string | number | boolean } };

export class JsonPathError extends Error {}

export function parseJsonPath(expr: string): Step[] {
  let s = expr.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  if (s.startsWith('$')) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === '.') {
      i++;
      const m = /^[A-Za-z0-9_\-$]+/.exec(s.slice(i));
      if (!m) throw new JsonPathError(`JSONPath ${expr}: expected a field name at offset ${i}`);
      steps.push({ key: m[0] });
      i += m[0].length;
    } else if (s[i] === '[') {
      const end = s.indexOf(']', i);
      if (end < 0) throw new JsonPathError(`JSONPath ${expr}: unclosed [ at offset ${i}`);
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ all: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ key: inner.slice(1, -1) });
      else {
        const f = /^\?\(@((?:\.[A-Za-z0-9_\-]+)+)\s*(==|!=)\s*(.+)\)$/.exec(inner);
        if (!f) throw new JsonPathError(`JSONPath ${expr}: unsupported selector [${inner}]`);
        const raw = f[3].trim();
        const value = /^".*"$|^'.*'$/.test(raw) ? raw.slice(1, -1) : raw === 'true' ? true : raw === 'false' ? false : Number(raw);
        if (typeof value === 'number' && Number.isNaN(value)) throw new JsonPathError(`JSONPath ${expr}: bad filter value ${raw}`);
        steps.push({ filter: { path: f[1].slice(1).split('.'), op: f[2] as '==' | '!=', value } });
      }
    } else throw new JsonPathError(`JSONPath ${expr}: unexpected "${s[i]}" at offset ${i}`);
  }
  return steps;
}

function get(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

export function evalJsonPath(steps: Step[], root: unknown): unknown[] {
  let cur: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('key' in step) {
        if (typeof v === 'object' && v !== null && !Array.isArray(v) && step.key in v) next.push((v as Record<string, unknown>)[step.key]);
      } else if ('index' in step) {
        if (Array.isArray(v)) {
          const i = step.index < 0 ? v.length + step.index : step.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if ('all' in step) {
        if (Array.isArray(v)) next.push(...v);
        else if (typeof v === 'object' && v !== null) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        const { path, op, value } = step.filter;
        for (const e of v) {
          const x = get(e, path);
          if (x === undefined) continue;
          if ((x === value) === (op === '==')) next.push(e);
        }
      }
    }
    cur = next;
  }
  return cur.filter((v) => v !== undefined);
}
