// The chart's templates rendered with its default values, and where each lands under
// manifests/ (templates/crds/x.yaml → manifests/crds/x.yaml).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { renderTemplate, type RenderScope } from './helm-subset.js';
import { repoRoot } from './shared.js';

export const chartDir = join(repoRoot, 'charts', 'ztkube');
export const manifestsDir = join(repoRoot, 'manifests');
/** The release manifests/ stands for: `helm install ztkube charts/ztkube -n ztkube-system`. */
export const RELEASE = { Name: 'ztkube', Namespace: 'ztkube-system', Service: 'Helm' };
/**
 * manifests/ is the defaults plus the Namespace object (with helm, `--create-namespace` makes it;
 * `kubectl apply -f manifests/` has nothing else to make it).
 */
export const MANIFEST_VALUES = { namespace: { create: true } };

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [])).sort();
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's values merge: maps merge key by key, anything else replaces, and null deletes the key. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = isMap(v) && isMap(out[k]) ? mergeValues(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

export function chartScope(values: Record<string, unknown> = {}): RenderScope {
  const defaults = loadYaml<Record<string, unknown>>(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
  const chart = loadYaml<Record<string, unknown>>(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'));
  return { Values: mergeValues(defaults, values), Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion }, Release: { ...RELEASE } };
}

/** Each template's path relative to templates/ and its rendered text (with a final newline). */
export function renderChart(values: Record<string, unknown> = {}): { path: string; text: string }[] {
  const scope = chartScope(values);
  const dir = join(chartDir, 'templates');
  return yamlFiles(dir).map((f) => {
    const text = renderTemplate(readFileSync(f, 'utf8'), scope, relative(chartDir, f)).trim();
    return { path: relative(dir, f), text: text === '' ? '' : text + '\n' };
  });
}

/** What `helm install` prints after installing (templates/NOTES.txt). */
export function renderNotes(values: Record<string, unknown> = {}): string {
  const f = join(chartDir, 'templates', 'NOTES.txt');
  return renderTemplate(readFileSync(f, 'utf8'), chartScope(values), relative(chartDir, f));
}
