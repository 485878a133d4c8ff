import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { buildJobManifest } from '../../activities/executors/k8s/job-manifest.js';
import { REPO_ROOT } from '../../runtime/config.js';
import { type Cluster, kubectl, openCluster, testJobSettings } from './helpers/cluster.js';
import { SPEC } from './helpers/executor-harness.js';
import { dryRun, helm, type Manifest, renderChart, renderOverlay, retarget } from './helpers/manifests.js';

let cluster: Cluster;
let experiments: string;
const createdCrds: string[] = [];

before(async () => {
  cluster = await openCluster('deploy');
  experiments = `${cluster.namespace}-exp`;
  await cluster.core.createNamespace({ body: { metadata: { name: experiments } } });
  // The Prometheus Operator's CRDs, if the cluster lacks them (stand-ins: group, kind, scope).
  const crds = cluster.kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const name of ['servicemonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com']) {
    const found = await crds.readCustomResourceDefinition({ name }).then(
      () => true,
      () => false,
    );
    if (!found) createdCrds.push(name);
  }
  if (createdCrds.length > 0) {
    kubectl(['apply', '-f', join(REPO_ROOT, 'tests/k8s/fixtures/monitoring-crds.yaml')]);
    kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...createdCrds.map((c) => `crd/${c}`)]);
  }
});

after(async () => {
  await cluster?.core.deleteNamespace({ name: experiments }).catch(() => undefined);
  await cluster?.close();
  if (createdCrds.length > 0) kubectl(['delete', 'crd', '--ignore-not-found', ...createdCrds]);
});

const byKind = (objects: Manifest[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: Manifest[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name);

/** Every option of the chart set, as a production install would. */
const FULL = {
  'trainer.gpu.type': 'NVIDIA-H100-80GB-HBM3',
  'trainer.kueue.queue': 'aar-research',
  'trainer.priorityClass.name': 'aar-test-research',
  'trainer.priorityClass.create': 'true',
  'trainer.runtimeClassName': 'gvisor',
  'secrets.create': 'true',
  'secrets.databaseUrl': 'postgres://aar:secret@db:5432/aar',
  'secrets.evalDatabaseUrl': 'postgres://aar:secret@db:5432/aar_eval',
  'secrets.evalAdminToken': 'eval-admin-token-0123456789',
  'secrets.operatorToken': 'operator-token-0123456789',
  'secrets.runTokenKey': 'run-token-key-0123456789',
};

test('helm lint passes on the chart with its defaults and with every option set', () => {
  const plain = helm(['lint', '--strict', join(REPO_ROOT, 'helm/aar')]);
  assert.equal(plain.status, 0, plain.output);
  const full = helm([
    'lint',
    '--strict',
    join(REPO_ROOT, 'helm/aar'),
    ...Object.entries(FULL).flatMap(([k, v]) => ['--set-string', `${k}=${v}`]),
  ]);
  assert.equal(full.status, 0, full.output);
});

test('the chart gives only the dispatch worker an API token, scoped to Jobs, pods, pod logs and run Secrets of the experiments namespace', () => {
  const objects = renderChart('aar', { 'trainer.namespace': 'aar-experiments' });
  const tokens = byKind(objects, 'ServiceAccount').filter((sa) => sa.automountServiceAccountToken !== false);
  assert.deepEqual(
    tokens.map((sa) => sa.metadata.name),
    ['aar-dispatch'],
  );
  assert.deepEqual(byKind(objects, 'ClusterRole'), []);
  assert.deepEqual(byKind(objects, 'ClusterRoleBinding'), []);
  const roles = byKind(objects, 'Role');
  assert.deepEqual(
    roles.map((r) => `${r.metadata.namespace}/${r.metadata.name}`),
    ['aar-experiments/aar-dispatch'],
  );
  assert.deepEqual(roles[0]?.rules, [
    {
      apiGroups: ['batch'],
      resources: ['jobs'],
      verbs: ['get', 'list', 'watch', 'create', 'delete', 'patch'],
    },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create'] },
  ]);
  const binding = named(objects, 'RoleBinding', 'aar-dispatch');
  assert.deepEqual(binding?.subjects, [{ kind: 'ServiceAccount', name: 'aar-dispatch', namespace: 'aar' }]);
});

test('the chart runs each process with probes, resources, a PodDisruptionBudget, a NetworkPolicy and the restricted security context', () => {
  const objects = renderChart('aar');
  for (const name of ['aar-api', 'aar-eval', 'aar-orchestrator', 'aar-dispatch']) {
    const deployment = named(objects, 'Deployment', name);
    assert.ok(deployment, `${name} Deployment`);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'])
      assert.equal(container[probe]?.httpGet?.path, '/healthz', `${name} ${probe}`);
    assert.ok(container.resources?.requests?.cpu && container.resources?.limits?.memory, `${name} resources`);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext.capabilities, { drop: ['ALL'] });
    assert.ok(named(objects, 'Service', name), `${name} Service`);
    assert.equal(named(objects, 'PodDisruptionBudget', name)?.spec.maxUnavailable, 1);
    assert.ok(named(objects, 'NetworkPolicy', name), `${name} NetworkPolicy`);
  }
  const dispatch = named(objects, 'Deployment', 'aar-dispatch')?.spec.template.spec.containers[0];
  const secretKeys = dispatch.env
    .filter((e: Manifest) => e.valueFrom?.secretKeyRef)
    .map((e: Manifest) => e.valueFrom.secretKeyRef.key);
  assert.deepEqual(
    secretKeys,
    ['eval-admin-token', 'run-token-key'],
    'the dispatch worker reads only the secrets it needs',
  );
  assert.ok(named(objects, 'ServiceMonitor', 'aar'), 'a ServiceMonitor');
});

/** The run-pod NetworkPolicy and the default deny of the experiments namespace, from rendered objects. */
function trainerPolicies(objects: Manifest[], prefix: string) {
  const policy = named(objects, 'NetworkPolicy', `${prefix}-trainers`);
  const deny = named(objects, 'NetworkPolicy', `${prefix}-experiments-default-deny`);
  assert.ok(policy && deny, 'both policies are rendered');
  return { policy, deny };
}

const egressOf = (policy: Manifest) =>
  policy.spec.egress.map((rule: Manifest) => [
    rule.to[0].namespaceSelector.matchLabels,
    rule.to[0].podSelector.matchLabels,
    rule.ports.map((p: Manifest) => `${p.protocol}/${p.port}`),
  ]);

for (const [what, render, prefix] of [
  ['the chart', () => renderChart('aar', { 'trainer.namespace': 'aar-experiments' }), 'aar'],
  ['the kustomize base', () => renderOverlay('dev'), 'aar'],
] as const) {
  test(`${what} lets the pods of AAR's runs reach only the api and eval servers and DNS, and denies all else`, () => {
    const { policy, deny } = trainerPolicies(render(), prefix);
    for (const p of [policy, deny]) {
      assert.equal(p.metadata.namespace, 'aar-experiments');
      assert.deepEqual(p.spec.policyTypes, ['Ingress', 'Egress']);
      assert.equal(p.spec.ingress?.length ?? 0, 0, 'no ingress');
    }
    assert.deepEqual(deny.spec.podSelector, {});
    assert.equal(deny.spec.egress, undefined, 'a pod without run labels gets no egress');
    // The policy selects every pod the Job builder makes (its labels are the run labels).
    const podLabels = buildJobManifest(
      { runId: 'np-agent-1-0001-s0-a1', taskId: 'mnist1d', spec: SPEC },
      testJobSettings('aar-experiments'),
    ).spec!.template.metadata!.labels!;
    const selector = policy.spec.podSelector.matchLabels as Record<string, string>;
    assert.ok(Object.keys(selector).length > 0, 'selects on run labels');
    for (const [key, value] of Object.entries(selector)) assert.equal(podLabels[key], value, key);
    assert.deepEqual(egressOf(policy), [
      [{ 'kubernetes.io/metadata.name': 'aar' }, { 'app.kubernetes.io/name': 'aar-api' }, ['TCP/18080']],
      [{ 'kubernetes.io/metadata.name': 'aar' }, { 'app.kubernetes.io/name': 'aar-eval' }, ['TCP/18081']],
      [{ 'kubernetes.io/metadata.name': 'kube-system' }, { 'k8s-app': 'kube-dns' }, ['UDP/53', 'TCP/53']],
    ]);
  });
}

test('the chart lets an install name where its api and eval servers run and on which ports', () => {
  const objects = renderChart('aar', {
    'trainer.namespace': 'aar-experiments',
    'networkPolicy.trainerEgress.api.namespaceLabels.team': 'platform',
    'networkPolicy.trainerEgress.api.podLabels.app': 'gateway',
    'networkPolicy.trainerEgress.api.port': '8443',
    'networkPolicy.trainerEgress.eval.port': '9443',
  });
  const { policy } = trainerPolicies(objects, 'aar');
  assert.deepEqual(egressOf(policy).slice(0, 2), [
    [{ team: 'platform' }, { app: 'gateway' }, ['TCP/8443']],
    [{ 'kubernetes.io/metadata.name': 'aar' }, { 'app.kubernetes.io/name': 'aar-eval' }, ['TCP/9443']],
  ]);
});

test('the chart and the kustomize base name the student and launcher images and the wall-clock limit', () => {
  const chart = named(renderChart('aar'), 'ConfigMap', 'aar-dispatch-config')?.data;
  assert.match(chart.AAR_K8S_IMAGE, /aar-student:/);
  assert.match(chart.AAR_K8S_LAUNCHER_IMAGE, /aar-launcher:/);
  assert.equal(chart.AAR_K8S_WALL_LIMIT_SECONDS, '18000');
  const base =
    named(renderOverlay('production'), 'ConfigMap', 'aar-dispatch-config') ??
    renderOverlay('production').find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('aar-dispatch-config'),
    );
  assert.match(base?.data.AAR_K8S_IMAGE, /aar-student:/);
  assert.match(base?.data.AAR_K8S_LAUNCHER_IMAGE, /aar-launcher:/);
});

test('the chart passes the GPU type, Kueue queue, priority class and runtime class to the dispatch worker', () => {
  const config = named(renderChart('aar', FULL), 'ConfigMap', 'aar-dispatch-config')?.data;
  assert.equal(config.AAR_K8S_NODE_SELECTOR, 'nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3');
  assert.equal(config.AAR_K8S_QUEUE, 'aar-research');
  assert.equal(config.AAR_K8S_PRIORITY_CLASS, 'aar-test-research');
  assert.equal(config.AAR_K8S_RUNTIME_CLASS, 'gvisor');
  assert.equal(config.AAR_K8S_KUBECONFIG, 'in-cluster');
});

test('the chart and the kustomize base ship the same dashboards and alert rules from k8s/observability', () => {
  const chart = renderChart('aar');
  const base = renderOverlay('dev');
  const dashboards = (objects: Manifest[]) =>
    objects
      .filter((o) => o.kind === 'ConfigMap')
      .flatMap((o) => Object.entries(o.data ?? {}).filter(([key]) => key.endsWith('.json')))
      .map(([key, json]) => [key, JSON.parse(json as string)])
      .sort();
  assert.deepEqual(dashboards(chart), dashboards(base));
  const rules = (objects: Manifest[]) =>
    byKind(objects, 'PrometheusRule')
      .flatMap((o) => o.spec.groups.map((g: Manifest) => g.name))
      .sort();
  assert.deepEqual(rules(chart), rules(base));
});

test('the API server accepts every object of the chart with every option set (server-side dry run)', () => {
  const objects = renderChart(cluster.namespace, { ...FULL, 'trainer.namespace': experiments });
  const out = dryRun(objects);
  assert.match(out, /deployment\.apps\/aar-dispatch (created|configured) \(server dry run\)/);
  assert.match(
    out,
    /networkpolicy\.networking\.k8s\.io\/aar-trainers (created|configured) \(server dry run\)/,
  );
  assert.match(
    out,
    /networkpolicy\.networking\.k8s\.io\/aar-experiments-default-deny (created|configured) \(server dry run\)/,
  );
  assert.match(out, /job\.batch\/aar-migrate (created|configured) \(server dry run\)/);
});

for (const overlay of ['dev', 'production']) {
  test(`the API server accepts every object of the ${overlay} overlay (server-side dry run)`, () => {
    const objects = retarget(renderOverlay(overlay), {
      aar: cluster.namespace,
      'aar-experiments': experiments,
    });
    assert.ok(byKind(objects, 'Deployment').length === 4, 'four Deployments');
    const out = dryRun(objects);
    assert.match(
      out,
      /networkpolicy\.networking\.k8s\.io\/aar-trainers (created|configured) \(server dry run\)/,
    );
    assert.match(
      out,
      /rolebinding\.rbac\.authorization\.k8s\.io\/aar-dispatch (created|configured) \(server dry run\)/,
    );
  });
}
