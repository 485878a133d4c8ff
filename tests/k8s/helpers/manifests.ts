import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../../runtime/config.js';
import { k8sBinary, kubectl } from './cluster.js';

/** A rendered Kubernetes object, loosely typed: the tests read what they check. */
export type Manifest = Record<string, any>;

function run(binary: string, args: string[]): string {
  const result = spawnSync(binary, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0)
    throw new Error(
      `${binary} ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`,
    );
  return result.stdout;
}

/** Runs the pinned helm (built by scripts/k8s/build.sh, never downloaded); returns stdout+stderr. */
export function helm(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(k8sBinary('helm'), args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null && typeof m === 'object' && 'kind' in m);
}

/** `helm template` of the chart into `namespace`, with `--set` values. */
export function renderChart(namespace: string, sets: Record<string, string> = {}): Manifest[] {
  const args = ['template', 'aar', join(REPO_ROOT, 'helm/aar'), '--namespace', namespace];
  for (const [key, value] of Object.entries(sets)) args.push('--set-string', `${key}=${value}`);
  return parseManifests(run(k8sBinary('helm'), args));
}

/** `kubectl kustomize` of an overlay (the kustomize built into the pinned kubectl). */
export function renderOverlay(overlay: string): Manifest[] {
  // kustomize reads a folder only through its kustomization file; say which one is missing.
  const observability = join(REPO_ROOT, 'k8s/observability/kustomization.yaml');
  if (!existsSync(observability))
    throw new Error(
      `${observability} is missing: k8s/base includes k8s/observability, which must list its alert rules ` +
        '(resources) and generate the dashboard ConfigMap (configMapGenerator, label grafana_dashboard)',
    );
  return parseManifests(kubectl(['kustomize', join(REPO_ROOT, 'k8s/overlays', overlay)]));
}

/**
 * Moves rendered objects into other namespaces (the kustomize overlays name `aar` and
 * `aar-experiments`; a test works in namespaces of its own): object namespaces, Namespace
 * names, RoleBinding subjects and ServiceMonitor namespace lists.
 */
export function retarget(objects: Manifest[], names: Record<string, string>): Manifest[] {
  const map = (ns: string) => names[ns] ?? ns;
  return objects.map((source) => {
    const o = structuredClone(source);
    if (o.kind === 'Namespace') o.metadata.name = map(o.metadata.name);
    if (o.metadata?.namespace) o.metadata.namespace = map(o.metadata.namespace);
    for (const subject of o.subjects ?? []) if (subject.namespace) subject.namespace = map(subject.namespace);
    if (o.kind === 'ServiceMonitor' && o.spec?.namespaceSelector?.matchNames)
      o.spec.namespaceSelector.matchNames = o.spec.namespaceSelector.matchNames.map(map);
    return o;
  });
}

/** Server-side dry run of every object (`kubectl apply --dry-run=server --validate=strict`). */
export function dryRun(objects: Manifest[]): string {
  const text = objects.map((o) => JSON.stringify(o)).join('\n---\n');
  return kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], text);
}
