import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

// One sample line of the text exposition format: name, optional labels, value, optional time.
const SAMPLE_LINE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? [-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|NaN|Inf)( -?\d+)?$/;

/**
 * Parses Prometheus text with parse-prometheus-text-format, after checking what that lenient
 * parser does not: every line is a comment or a well-formed sample, and every family has
 * HELP and TYPE. Throws naming the first bad line.
 */
export function parsePrometheus(text: string): PrometheusFamily[] {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    if (!SAMPLE_LINE.test(line)) throw new Error(`not a Prometheus sample line: ${line}`);
  }
  const families = parsePrometheusTextFormat(text);
  for (const f of families) {
    if (f.help === '' || f.type === 'UNTYPED') throw new Error(`${f.name} lacks HELP or TYPE`);
  }
  return families;
}

/** The value of the sample of `name` whose labels include `labels`, or undefined. */
export function sampleValue(
  families: PrometheusFamily[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  return sample?.value === undefined ? undefined : Number(sample.value);
}
