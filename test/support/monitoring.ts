import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';

/**
 * What the shipped monitoring files (deploy/monitoring/) ask of the metrics, and what a real scrape
 * answers: the PromQL of the dashboard and the alert rules taken apart with Prometheus' own
 * grammar (@prometheus-io/lezer-promql), and the Prometheus text format read into series.
 */

const ROOT = path.resolve(__dirname, '..', '..');
export const MONITORING_DIR = path.join(ROOT, 'deploy', 'monitoring');
export const DASHBOARD_FILE = path.join(MONITORING_DIR, 'grafana', 'dashboards', 'hotdocs-lifecycles.json');
export const ALERT_RULES_FILE = path.join(MONITORING_DIR, 'prometheus', 'alerts.yml');
export const ALERT_TESTS_FILE = path.join(MONITORING_DIR, 'prometheus', 'alerts.test.yml');

/** Labels Prometheus adds to every scraped series (the target's), never exported by a process. */
export const TARGET_LABELS: readonly string[] = ['job', 'instance'];

/** One PromQL expression and where it comes from (a panel's title, an alert's name). */
export interface NamedQuery {
  where: string;
  expr: string;
}

/** What an expression needs: each selected metric with the labels it matches or groups by. */
export interface MetricNeed {
  metric: string;
  labels: string[];
}

// ---- the monitoring files ------------------------------------------------------------------

interface Panel {
  title?: string;
  type?: string;
  targets?: { expr?: string; refId?: string }[];
  panels?: Panel[];
}

export interface Dashboard {
  title: string;
  uid: string;
  panels: Panel[];
  templating?: { list?: { name: string; type: string; query?: unknown }[] };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel (rows' panels included) in the order they are shown. */
export function dashboardPanels(dashboard: Dashboard = readDashboard()): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** The PromQL of every panel target, named by panel title and target. */
export function dashboardQueries(dashboard: Dashboard = readDashboard()): NamedQuery[] {
  return dashboardPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((target) => target.expr !== undefined)
      .map((target) => ({
        where: `panel "${panel.title}" ${target.refId ?? ''}`.trim(),
        expr: target.expr!,
      })),
  );
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function readAlertRules(): AlertRule[] {
  const file = parseYaml(readFileSync(ALERT_RULES_FILE, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

export function alertQueries(): NamedQuery[] {
  return readAlertRules().map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr }));
}

/** The input series of the rule tests, as `metric{label="value",...}` strings. */
export function alertTestSeries(): string[] {
  const file = parseYaml(readFileSync(ALERT_TESTS_FILE, 'utf8')) as {
    tests: { input_series?: { series: string }[] }[];
  };
  return file.tests.flatMap((test) => (test.input_series ?? []).map((input) => input.series));
}

// ---- PromQL --------------------------------------------------------------------------------

/**
 * Grafana's variables as a query would read once Grafana has filled them in: `$__rate_interval`
 * and friends become a duration, a template variable its value.
 */
export function withGrafanaVariablesFilled(expr: string, variables: Record<string, string> = {}): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (match, braced?: string, bare?: string) => {
      const name = braced ?? bare ?? '';
      const value = variables[name];
      if (value === undefined)
        throw new Error(`the query uses $${name}, which the dashboard does not define`);
      return value;
    });
}

/**
 * The metrics an expression selects, each with the labels it is matched on and those it is
 * grouped by (`by (...)`, `on (...)`, `ignoring (...)`) in an aggregation or a binary operation
 * around it. Throws when the expression does not parse.
 */
export function metricNeeds(expr: string): MetricNeed[] {
  const errors: string[] = [];
  const needs: (MetricNeed & { at: number })[] = [];
  const text = (from: number, to: number) => expr.slice(from, to);
  const groupingNodes = new Set(['AggregateExpr', 'BinaryExpr']);
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`near "${text(Math.max(0, node.from - 10), node.to + 10)}"`);
      if (node.name !== 'VectorSelector') return;
      const identifier = node.node.getChild('Identifier');
      if (identifier === null) {
        errors.push(`a selector without a metric name: ${text(node.from, node.to)}`);
        return;
      }
      const matched = (node.node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? [])
        .map((matcher) => matcher.getChild('LabelName'))
        .flatMap((label) => (label === null ? [] : [text(label.from, label.to)]));
      needs.push({ metric: text(identifier.from, identifier.to), labels: matched, at: node.from });
    },
    leave(node) {
      if (!groupingNodes.has(node.name)) return;
      const modifier =
        node.node.getChild('AggregateModifier') ?? node.node.getChild('MatchingModifierClause');
      const grouped = (modifier?.getChild('GroupingLabels')?.getChildren('LabelName') ?? []).map((label) =>
        text(label.from, label.to),
      );
      // Every selector inside the aggregation (or either side of the operation) must carry them.
      for (const need of needs) if (need.at >= node.from && need.at < node.to) need.labels.push(...grouped);
    },
  });
  if (errors.length > 0) throw new Error(`PromQL does not parse: ${expr}\n${errors.join('\n')}`);
  return needs.map(({ metric, labels }) => ({ metric, labels: [...new Set(labels)].sort() }));
}

// ---- the Prometheus text format ------------------------------------------------------------

/** Every series of a scrape: metric name → the label-name sets it was exported with. */
export type Scrape = Map<string, Set<string>[]>;

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+\S+/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="(?:[^"\\]|\\.)*"/g;

export function parseScrape(text: string, into: Scrape = new Map()): Scrape {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const sample = SAMPLE.exec(line);
    if (sample === null) throw new Error(`not a sample line of the Prometheus text format: ${line}`);
    const labels = new Set([...(sample[2] ?? '').matchAll(LABEL)].map((m) => m[1]!));
    const sets = into.get(sample[1]!) ?? [];
    sets.push(labels);
    into.set(sample[1]!, sets);
  }
  return into;
}

/** Why the scrape cannot answer `need`; undefined when some series of the metric has every label. */
export function unmetNeed(scrape: Scrape, need: MetricNeed): string | undefined {
  const series = scrape.get(need.metric);
  if (series === undefined) return `${need.metric} is not exported`;
  const wanted = need.labels.filter((label) => !TARGET_LABELS.includes(label));
  if (series.some((labels) => wanted.every((label) => labels.has(label)))) return undefined;
  return `${need.metric} has no series with the label(s) ${wanted.join(', ')}`;
}
