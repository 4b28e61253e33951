// A renderer for the small subset of Helm's template language the ztkube chart uses, so the
// chart can be checked on a machine without helm: `{{ .Values.a.b }}`, `{{ .Chart.Name }}`,
// `{{ .Release.Name }}`, `{{ if <value> }} … {{ else }} … {{ end }}`, and the `{{-`/`-}}`
// whitespace trimming. Any other action is refused with its file and text, so a template
// that outgrows the subset fails the manifests test instead of rendering wrongly.
import { ConfigError } from '../../src/util/errors.js';

export interface RenderScope {
  Values: Record<string, unknown>;
  Chart: Record<string, unknown>;
  Release: Record<string, unknown>;
}

type Node = { text: string } | { value: string } | { cond: string; then: Node[]; otherwise: Node[] };

function lookup(scope: RenderScope, ref: string, file: string): unknown {
  if (!/^\.(Values|Chart|Release)(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(ref)) throw new ConfigError(`${file}: template action "${ref}" is outside the supported subset`);
  return ref.slice(1).split('.').reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined), scope);
}

/** Go templates' truth: false, 0, nil, and empty strings, maps and lists are false. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function parse(template: string, file: string): Node[] {
  const tokens: ({ text: string } | { action: string })[] = [];
  const re = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    let text = template.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    tokens.push({ text });
    tokens.push({ action: m[2] });
    trimNext = m[3] === '-';
    last = re.lastIndex;
  }
  let tail = template.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  tokens.push({ text: tail });

  let i = 0;
  const block = (isNested: boolean): { nodes: Node[]; ender: string } => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const t = tokens[i++];
      if ('text' in t) {
        if (t.text !== '') nodes.push(t);
        continue;
      }
      const a = t.action;
      if (a === 'end' || a === 'else') {
        if (!isNested) throw new ConfigError(`${file}: "{{ ${a} }}" without a matching "{{ if }}"`);
        return { nodes, ender: a };
      }
      const cond = /^if\s+(\S+)$/.exec(a);
      if (cond) {
        const then = block(true);
        const otherwise = then.ender === 'else' ? block(true) : { nodes: [], ender: 'end' };
        if (otherwise.ender !== 'end') throw new ConfigError(`${file}: "{{ if ${cond[1]} }}" has two "{{ else }}"`);
        nodes.push({ cond: cond[1], then: then.nodes, otherwise: otherwise.nodes });
      } else nodes.push({ value: a });
    }
    if (isNested) throw new ConfigError(`${file}: "{{ if }}" without "{{ end }}"`);
    return { nodes, ender: '' };
  };
  return block(false).nodes;
}

export function renderTemplate(template: string, scope: RenderScope, file: string): string {
  const emit = (nodes: Node[]): string =>
    nodes.map((n) => ('text' in n ? n.text : 'value' in n ? String(lookup(scope, n.value, file) ?? '') : emit(truthy(lookup(scope, n.cond, file)) ? n.then : n.otherwise))).join('');
  return emit(parse(template, file));
}
