import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../runtime/config.js';

/** The Grafana dashboard and alert rules shipped in k8s/observability refer only to metrics that exist. */

const dir = join(REPO_ROOT, 'k8s', 'observability');
const dashboard = JSON.parse(readFileSync(join(dir, 'grafana-dashboard.json'), 'utf8'));
const rules = parse(readFileSync(join(dir, 'alert-rules.yaml'), 'utf8'));

/** Every `aar_*` metric a process of this repository registers, read from the sources. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts'))
        for (const m of readFileSync(path, 'utf8').matchAll(/name: '(aar_[a-z_]+)'/g)) names.add(m[1]!);
    }
  };
  for (const folder of ['activities', 'server', 'runtime', 'workers']) walk(join(REPO_ROOT, folder));
  return names;
}

/** prom-client's default process metrics under the `aar_process_` prefix (runtime/metrics.ts). */
const PROCESS = /^aar_process_(process_|nodejs_)[a-z0-9_]+$/;
/** The Temporal SDK's worker metrics this repository's dashboard and rules use (seen on a worker). */
const TEMPORAL = new Set([
  'temporal_num_pollers',
  'temporal_worker_task_slots_used',
  'temporal_worker_task_slots_available',
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_activity_schedule_to_start_latency',
  'temporal_workflow_task_execution_failed',
  'temporal_activity_execution_failed',
  'temporal_request_failure',
  'temporal_sticky_cache_size',
  'temporal_sticky_cache_hit',
]);

function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:aar|temporal)_[a-z0-9_]+)\b/g)].map((m) =>
    m[1]!.replace(/_(bucket|count|sum)$/, ''),
  );
}

function assertKnown(expr: string, where: string): void {
  const known = registeredMetrics();
  for (const metric of metricsIn(expr)) {
    assert.ok(
      known.has(metric) || PROCESS.test(metric) || TEMPORAL.has(metric),
      `${where}: unknown metric ${metric}`,
    );
  }
}

test('the Grafana dashboard has a panel for each part of the system, each on known metrics', () => {
  const panels = dashboard.panels as {
    id: number;
    type: string;
    title: string;
    targets?: { expr: string }[];
  }[];
  const ids = panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const rows = panels.filter((p) => p.type === 'row').map((p) => p.title);
  assert.deepEqual(rows, [
    'Research progress',
    'Trainer runs and executors',
    'Eval server and integrity',
    'Servers and processes',
    'Temporal workers',
  ]);
  for (const panel of panels.filter((p) => p.type !== 'row')) {
    assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has queries`);
    for (const target of panel.targets!) assertKnown(target.expr, panel.title);
  }
  const exprs = panels
    .flatMap((p) => p.targets ?? [])
    .map((t) => t.expr)
    .join('\n');
  for (const service of [
    'aar_http_request_duration_seconds',
    'aar_eval_submissions_total',
    'aar_experiments_total',
    'aar_run_queue_seconds',
    'temporal_num_pollers',
  ])
    assert.match(exprs, new RegExp(service));
});

test("the alert rules cover the issue's alerts, each with a severity, a summary and a runbook section", () => {
  assert.equal(rules.kind, 'PrometheusRule');
  const alerts = (
    rules.spec.groups as {
      rules: {
        alert: string;
        expr: string;
        labels: { severity: string };
        annotations: Record<string, string>;
      }[];
    }[]
  ).flatMap((g) => g.rules);
  const names = alerts.map((a) => a.alert);
  for (const required of [
    'AarCampaignNoProgress',
    'AarRunsPendingTooLong',
    'AarCampaignBudgetNearlySpent',
    'AarEvalProbeFlags',
    'AarAuditChainBroken',
  ])
    assert.ok(names.includes(required), `${required} is defined`);
  const runbook = readFileSync(join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8');
  const anchors = new Set(
    [...runbook.matchAll(/^## (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replaceAll(' ', '-'),
    ),
  );
  for (const alert of alerts) {
    assert.match(alert.labels.severity, /^(info|warning|critical)$/, alert.alert);
    assert.ok(alert.annotations.summary, `${alert.alert} has a summary`);
    const anchor = /^docs\/runbook\.md#(.+)$/.exec(alert.annotations.runbook ?? '')?.[1];
    assert.ok(
      anchor && anchors.has(anchor),
      `${alert.alert} links a runbook section (${alert.annotations.runbook})`,
    );
    assert.ok(runbook.includes(alert.alert), `the runbook's alert table lists ${alert.alert}`);
    assertKnown(alert.expr, alert.alert);
  }
});
