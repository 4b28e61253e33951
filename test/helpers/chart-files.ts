// The chart's templates rendered with its default values, and where each lands under
// manifests/ (templates/crds/x.yaml → manifests/crds/x.yaml).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { renderTemplate, type RenderScope } from './helm-subset.js';
import { repoRoot } from './shared.js';

export const chartDir = join(repoRoot, 'charts', 'ztkube');
export const manifestsDir = join(repoRoot, 'manifests');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [])).sort();
}

export function chartScope(values: Record<string, unknown> = {}): RenderScope {
  const defaults = loadYaml<Record<string, unknown>>(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
  const chart = loadYaml<Record<string, unknown>>(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'));
  return { Values: { ...defaults, ...values }, Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion }, Release: { Name: 'ztkube', Namespace: 'ztkube-system', Service: 'Helm' } };
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
