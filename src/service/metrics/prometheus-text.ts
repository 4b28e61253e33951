// The Prometheus text exposition format (version 0.0.4), as /metrics and metrics.prom carry it
// (06 §5.11): `# HELP` and `# TYPE` once per family, then one line per sample. Label names
// are written in ascending order with a histogram's `le` last, the order 1.14.1's
// prometheus-cpp prints (`zt_packet{direction="tx",packet_type="hello"}`).

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  labels?: Record<string, string>;
  value: number;
  /** Appended to the family name: `_bucket`, `_sum`, `_count` for histograms. */
  suffix?: string;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** Label values escape backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and newline (not quotes). */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelOrder(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'le') return 1;
  if (b === 'le') return -1;
  return a < b ? -1 : 1;
}

function formatLabels(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  const names = Object.keys(labels).sort(labelOrder);
  if (names.length === 0) return '';
  return '{' + names.map((n) => `${n}="${escapeLabelValue(labels[n])}"`).join(',') + '}';
}

export function renderPrometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
