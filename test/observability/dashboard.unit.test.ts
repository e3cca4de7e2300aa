import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  alertQueries,
  dashboardPanels,
  dashboardQueries,
  metricNeeds,
  MONITORING_DIR,
  parseScrape,
  readDashboard,
  unmetNeed,
  withGrafanaVariablesFilled,
} from '../support/monitoring';

/**
 * The dashboard's JSON as Grafana provisions it: every panel query parses as PromQL (Prometheus'
 * own grammar) once Grafana has filled in its variables, ids are unique, panels fit the 24-column
 * grid, and deploy/monitoring/README.md lists every panel. Whether the metrics exist is the
 * integration test's (dashboard-metrics.test.ts), against a real scrape.
 */

const dashboard = readDashboard();
const panels = dashboardPanels(dashboard);

test('every panel query and every alert expression parses, naming only hotdocs_ and temporal_ metrics', () => {
  const queries = [...dashboardQueries(dashboard), ...alertQueries()];
  expect(queries.length).toBeGreaterThanOrEqual(20);
  const variables = { datasource: 'prometheus' };
  for (const { where, expr } of queries) {
    const metrics = metricNeeds(withGrafanaVariablesFilled(expr, variables)).map((need) => need.metric);
    expect({ where, metrics: metrics.length > 0 }).toEqual({ where, metrics: true });
    for (const metric of metrics)
      expect({ where, metric }).toEqual({ where, metric: expect.stringMatching(/^(hotdocs|temporal)_/) });
  }
});

test('a broken query is caught: the parser refuses it, and an unknown variable is named', () => {
  expect(() => metricNeeds('sum(rate(hotdocs_advance_requests_total[5m])')).toThrow(/does not parse/);
  expect(() => withGrafanaVariablesFilled('hotdocs_lifecycles{stage="$stage"}')).toThrow(/\$stage/);
});

test('the panels operators asked for are all there, with the datasource as a variable', () => {
  const titles = panels.filter((panel) => panel.type !== 'row').map((panel) => panel.title);
  expect(titles).toEqual(
    expect.arrayContaining([
      'Lifecycles by stage',
      'Needs attention',
      'Oldest waiting interview',
      'Advance requests by outcome',
      'Advance latency p95 by operation',
      'Document bytes stored',
      'Worker slots used',
      'Schedule-to-start latency p95',
      'Webhook deliveries by outcome',
    ]),
  );
  expect(dashboard.uid).toBe('hotdocs-lifecycles');
  expect(dashboard.templating?.list?.map((variable) => [variable.name, variable.type])).toEqual([
    ['datasource', 'datasource'],
  ]);
});

test('ids are unique and panels fit the grid', () => {
  const ids = panels.map((panel) => (panel as { id?: number }).id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const panel of panels) {
    const { x, w } = (panel as { gridPos: { x: number; w: number } }).gridPos;
    expect({ title: panel.title, fits: x >= 0 && w > 0 && x + w <= 24 }).toEqual({
      title: panel.title,
      fits: true,
    });
  }
});

test('deploy/monitoring/README.md lists every panel', () => {
  const readme = readFileSync(path.join(MONITORING_DIR, 'README.md'), 'utf8').replace(/\s+/g, ' ');
  for (const panel of panels) {
    const listed = panel.type === 'row' ? `**${panel.title}**` : `_${panel.title}_`;
    expect({ listed, found: readme.includes(listed) }).toEqual({ listed, found: true });
  }
});

test('the metric check bites: a missing metric or label is named', () => {
  const scrape = parseScrape(
    [
      '# HELP hotdocs_lifecycles Running lifecycles',
      'hotdocs_lifecycles{stage="idle"} 2',
      'hotdocs_lifecycles_needing_attention 0',
    ].join('\n'),
  );
  const [byStage] = metricNeeds('max by (stage) (hotdocs_lifecycles{job="w"})');
  expect(unmetNeed(scrape, byStage!)).toBeUndefined();
  const [byTenancy] = metricNeeds('max by (tenancy) (hotdocs_lifecycles)');
  expect(unmetNeed(scrape, byTenancy!)).toBe('hotdocs_lifecycles has no series with the label(s) tenancy');
  const [missing] = metricNeeds('rate(hotdocs_no_such_total[5m])');
  expect(unmetNeed(scrape, missing!)).toBe('hotdocs_no_such_total is not exported');
});
