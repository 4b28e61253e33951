// The chart and the plain manifests agree (no helm here: the chart's templates rendered by a
// renderer of the subset they use), installCRDs gates the CRDs, and the CRDs match the names
// the operator's code uses (src/kube/crd-names.ts) and the printer columns.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadYaml } from '@kubernetes/client-node';
import { crdName, ZTKUBE_CATEGORY, ZTKUBE_GROUP, ZTKUBE_RESOURCES, ZTKUBE_VERSION, ZTNETWORK } from '../../src/kube/crd-names.js';
import { ConfigError } from '../../src/util/errors.js';
import { MANIFEST_VALUES, manifestsDir, renderChart } from '../helpers/chart-files.js';
import { renderTemplate } from '../helpers/helm-subset.js';

type Crd = { metadata: { name: string; annotations: Record<string, string> }; spec: { group: string; scope: string; names: { kind: string; plural: string; shortNames?: string[]; categories?: string[] }; versions: { name: string; subresources?: { status?: object }; additionalPrinterColumns: { name: string; jsonPath: string; priority?: number }[] }[] } };

describe('chart and manifests', () => {
  it('manifests/ equals the chart rendered with its default values (regenerate with make manifests)', () => {
    const rendered = renderChart(MANIFEST_VALUES);
    assert.ok(rendered.length >= 3);
    for (const { path, text } of rendered) {
      const file = join(manifestsDir, path);
      if (text === "") { assert.ok(!existsSync(file), `manifests/${path} renders empty with the default values but exists: run make manifests`); continue; }
      assert.ok(existsSync(file), `manifests/${path} is missing: run make manifests`);
      assert.equal(readFileSync(file, 'utf8'), text, `manifests/${path} differs from charts/ztkube/templates/${path}: run make manifests`);
    }
  });

  it('installCRDs=false renders no CRDs', () => {
    for (const { path, text } of renderChart({ installCRDs: false })) if (path.startsWith('crds/')) assert.equal(text, '', path);
  });

  it('the CRDs carry resource-policy keep and the names, scope and columns the operator expects', () => {
    const crds = renderChart().filter((r) => r.path.startsWith('crds/')).map((r) => loadYaml<Crd>(r.text));
    assert.deepEqual(crds.map((c) => c.metadata.name).sort(), ZTKUBE_RESOURCES.map(crdName).sort());
    for (const c of crds) {
      const names = ZTKUBE_RESOURCES.find((r) => r.kind === c.spec.names.kind)!;
      assert.equal(c.metadata.annotations['helm.sh/resource-policy'], 'keep');
      assert.equal(c.spec.group, ZTKUBE_GROUP);
      assert.equal(c.spec.scope, names.isNamespaced ? 'Namespaced' : 'Cluster');
      assert.equal(c.spec.names.plural, names.plural);
      assert.deepEqual(c.spec.names.shortNames ?? [], names.shortNames);
      assert.deepEqual(c.spec.names.categories, [ZTKUBE_CATEGORY]);
      assert.equal(c.spec.versions[0].name, ZTKUBE_VERSION);
      assert.ok(c.spec.versions[0].subresources?.status, `${c.metadata.name} has a status subresource`);
    }
    const columns = (kind: string): string[] => crds.find((c) => c.spec.names.kind === kind)!.spec.versions[0].additionalPrinterColumns.map((p) => `${p.name}${p.priority ? '(wide)' : ''}`);
    assert.deepEqual(columns(ZTNETWORK.kind), ['Network-ID', 'Name', 'Mode', 'Nodes', 'Pods', 'Ready', 'Reason', 'MTU(wide)', 'Routes(wide)', 'Age']);
    assert.deepEqual(columns('ZTNode'), ['Address', 'Online', 'Networks', 'Direct', 'Relayed', 'Age']);
    assert.deepEqual(columns('ZTMember'), ['Network', 'Address', 'Authorized', 'Bridge', 'IPs', 'Last-Seen']);
  });
});

describe('helm subset renderer', () => {
  const scope = { Values: { on: true, off: false, list: [], name: 'x' }, Chart: { Name: 'ztkube' }, Release: { Name: 'r' } };
  it('renders if/else/end with trimming and value references', () => {
    assert.equal(renderTemplate('a\n{{- if .Values.on }}\nb: {{ .Values.name }}\n{{- else }}\nc\n{{- end }}\n', scope, 't'), 'a\nb: x\n');
    assert.equal(renderTemplate('{{ if .Values.list }}y{{ else }}n{{ end }}-{{ .Chart.Name }}', scope, 't'), 'n-ztkube');
  });
  it('pipelines and the sprig functions the chart uses, with Helm\'s results', () => {
    const v = { Values: { tag: '', name: 'x', n: 3, m: { b: 2, a: [1, 'two'] }, empty: {} }, Chart: { Name: 'ztkube', Version: '0.1.0+g1', AppVersion: '0.1.0' }, Release: { Name: 'r', Namespace: 'ns' } };
    const r = (t: string): string => renderTemplate(t, v, 't');
    assert.equal(r('{{ .Values.tag | default .Chart.AppVersion }}'), '0.1.0');
    assert.equal(r('{{ .Values.name | quote }} {{ .Values.n | quote }} {{ .Values.missing | quote }}'), '"x" "3" ""');
    assert.equal(r('a:{{- toYaml .Values.m | nindent 2 }}'), 'a:\n  a:\n  - 1\n  - two\n  b: 2', 'toYaml sorts keys and drops the final newline');
    assert.equal(r('{{ toYaml .Values.empty }}|{{ .Values.m.b | indent 4 }}'), '{}|    2');
    assert.equal(r('{{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}'), 'ztkube-0.1.0_g1');
    assert.equal(r('{{ if eq .Values.name "x" }}yes{{ end }}{{ if ne .Values.n 3 }}no{{ end }}{{ if not .Values.tag }}!{{ end }}'), 'yes!');
    assert.equal(r('{{ if and .Values.name .Values.tag }}a{{ else if or .Values.tag .Values.n }}b{{ else }}c{{ end }}'), 'b');
    assert.equal(r('{{ "a" | b64enc }} {{ "x.yaml" | trimSuffix ".yaml" }}{{/* a comment */}}'), 'YQ== x');
  });

  it('range binds the element to "." and keeps the root in "$"', () => {
    const v = { Values: { nets: [{ name: 'a' }, { name: 'b' }], none: [] }, Chart: {}, Release: { Name: 'r' } };
    assert.equal(renderTemplate('{{- range .Values.nets }}\n- {{ .name }}@{{ $.Release.Name }}{{ end }}{{ range .Values.none }}never{{ end }}', v, 't'), '\n- a@r\n- b@r');
  });

  it('required fails the render with its message and the file', () => {
    assert.throws(() => renderTemplate('{{ required "x is needed" .Values.x }}', { Values: {}, Chart: {}, Release: {} }, 'templates/y.yaml'), (e: unknown) => e instanceof ConfigError && e.message === 'templates/y.yaml: x is needed');
  });

  it('refuses what it does not support, naming the file', () => {
    assert.throws(() => renderTemplate('{{ include "x" . }}', scope, 'templates/a.yaml'), (e: unknown) => e instanceof ConfigError && /templates\/a.yaml: template action "include "x" ." is outside the supported subset/.test(e.message));
    assert.throws(() => renderTemplate('{{ if .Values.on }}x', scope, 'b.yaml'), /b.yaml: "\{\{ if \}\}" without "\{\{ end \}\}"/);
    assert.throws(() => renderTemplate('{{ end }}', scope, 'c.yaml'), /c.yaml: "\{\{ end \}\}" without a matching/);
    assert.throws(() => renderTemplate('{{ .Values.x | lower }}', scope, 'd.yaml'), /d.yaml: template action ".Values.x \| lower" is outside the supported subset/);
    assert.throws(() => renderTemplate('{{ .Capabilities.KubeVersion }}', scope, 'e.yaml'), /outside the supported subset/);
    assert.throws(() => renderTemplate('{{ toYaml (list 1) }}', scope, 'f.yaml'), /outside the supported subset/);
  });
});
