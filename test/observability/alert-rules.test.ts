import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ALERT_RULES_FILE, ALERT_TESTS_FILE, readAlertRules } from '../support/monitoring';
import { alertTimeline, ensurePromtool, promtool } from '../support/promtool';

/**
 * The shipped alert rules (deploy/monitoring/prometheus/alerts.yml) pass the pinned promtool's
 * `check rules` and their unit tests (`test rules`): every alert goes inactive → pending → firing →
 * resolved, from series shaped like a real scrape. The tests bite: an alert that never fires, or
 * never stops, fails them. Each alert links to a runbook that exists in the README.
 */

const RULES_DIR = path.dirname(ALERT_RULES_FILE);
const README = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
const ALERTS = [
  'HotDocsLifecyclesNeedAttention',
  'HotDocsInterviewWaitingTooLong',
  'HotDocsAdvanceErrorRate',
  'HotDocsWorkerSlotsExhausted',
  'HotDocsWebhookDeliveriesFailing',
];

let binary: string;

beforeAll(() => {
  binary = ensurePromtool();
}, 40 * 60_000);

test('the pinned promtool checks the rules and the Prometheus configuration', () => {
  const rules = promtool(binary, ['check', 'rules', 'alerts.yml'], RULES_DIR);
  expect(rules).toEqual({
    status: 0,
    output: expect.stringContaining(`SUCCESS: ${ALERTS.length} rules found`),
  });
  const config = promtool(binary, ['check', 'config', 'prometheus.yml'], RULES_DIR);
  expect(config).toEqual({ status: 0, output: expect.stringContaining('prometheus.yml is valid') });
  expect(readAlertRules().map((rule) => rule.alert)).toEqual(ALERTS);
});

test('promtool test rules: each alert goes inactive → pending → firing → resolved', () => {
  const run = promtool(binary, ['test', 'rules', '--debug', 'alerts.test.yml'], RULES_DIR);
  expect(run.status).toBe(0);
  expect(run.output).toMatch(/Processing test file: alerts\.test\.yml\s+SUCCESS/);
  const timelines = alertTimeline(run.output);
  for (const alert of ALERTS) {
    const states = (timelines.get(alert) ?? []).map((change) => change.state);
    expect({ alert, states }).toEqual({ alert, states: ['inactive', 'pending', 'firing', 'inactive'] });
  }
  // Each test group checks the alert at least once in each state.
  const groups = (parseYaml(readFileSync(ALERT_TESTS_FILE, 'utf8')) as RuleTests).tests;
  expect(groups.map((group) => group.name)).toEqual(ALERTS);
  for (const group of groups) {
    const checks = group.alert_rule_test.map((check) => check.exp_alerts.length > 0);
    expect({ alert: group.name, checks }).toEqual({ alert: group.name, checks: [false, false, true, false] });
  }
});

interface RuleTests {
  rule_files: string[];
  tests: {
    name: string;
    alert_rule_test: { eval_time: string; alertname: string; exp_alerts: unknown[] }[];
  }[];
}

describe('the rule tests fail when an alert is broken', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hotdocs-alerts-'));
    copyFileSync(ALERT_TESTS_FILE, path.join(dir, 'alerts.test.yml'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** alerts.yml with one alert's expression replaced, tested by the unchanged tests. */
  function testWith(alert: string, expr: string) {
    const rules = parseYaml(readFileSync(ALERT_RULES_FILE, 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    for (const rule of rules.groups.flatMap((group) => group.rules))
      if (rule.alert === alert) rule.expr = expr;
    writeFileSync(path.join(dir, 'alerts.yml'), stringifyYaml(rules));
    return promtool(binary, ['test', 'rules', '--run', `^${alert}$`, 'alerts.test.yml'], dir);
  }

  test.each(ALERTS)('%s: one that never fires, and one that never stops, fail', (alert) => {
    const never = testWith(alert, 'vector(1) > 2');
    expect(never.status).toBe(1);
    expect(never.output).toContain(`alertname: ${alert}`);
    const always = testWith(alert, 'vector(1)');
    expect(always.status).toBe(1);
    expect(always.output).toContain(`alertname: ${alert}`);
  });
});

test('every alert has a summary, a description and a runbook that exists in the README', () => {
  // GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped.
  const anchors = new Set(
    [...README.matchAll(/^#+\s+(.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );
  for (const rule of readAlertRules()) {
    expect({ alert: rule.alert, summary: typeof rule.annotations?.['summary'] }).toEqual({
      alert: rule.alert,
      summary: 'string',
    });
    expect(rule.annotations?.['description']).toEqual(expect.any(String));
    const runbook = rule.annotations?.['runbook_url'] ?? '';
    expect(runbook).toBe(`README.md#${rule.alert.toLowerCase()}`);
    expect({ alert: rule.alert, anchor: anchors.has(rule.alert.toLowerCase()) }).toEqual({
      alert: rule.alert,
      anchor: true,
    });
  }
});
