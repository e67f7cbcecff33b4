/**
 * Static checks of the generated Kubernetes manifests (no cluster here): every object is
 * valid against the Kubernetes OpenAPI schemas (kubernetes-models' validate()), the file is
 * what the generator renders, and the wiring holds: replicated fusion with a disruption
 * budget and readiness from /health, one worker per crossing on edge nodes with only its own key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { Namespace, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { DEFAULT_CITY_DIR } from '../../tools/generate-compose';
import { FUSION_MAX_OLD_SPACE_MB, FUSION_NODE_ARGS } from '../../apps/fusion/src/node-options';
import { CROSSING_NODE_LABEL, DEFAULT_K8S_FILE, EDGE_NODE_LABEL, k8sWorkerName, renderK8s, renderK8sYaml } from '../../tools/generate-k8s';

const ROOT = path.resolve(__dirname, '..', '..');
const city = JSON.parse(fs.readFileSync(path.join(ROOT, DEFAULT_CITY_DIR, 'crossings.json'), 'utf8')) as { city: string; crossings: Array<{ id: string }> };
const text = fs.readFileSync(path.join(ROOT, DEFAULT_K8S_FILE), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const objects = yaml.loadAll(text) as Any[];

const MODELS: Record<string, new (data: Any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('Kubernetes manifests (deploy/k8s/crosscast.yaml)', () => {
  it('is exactly what tools/generate-k8s.ts renders for the seed city (run npm run k8s:generate)', () => {
    expect(text).toBe(renderK8sYaml(city));
  });

  it('validates every object against the Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThan(city.crossings.length * 2);
    for (const object of objects) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect({ kind: `${object.apiVersion}/${object.kind}`, known: Model !== undefined }).toEqual({ kind: `${object.apiVersion}/${object.kind}`, known: true });
      expect(() => new Model(object).validate()).not.toThrow();
    }
    // The validator is real: a Deployment without a selector is refused.
    const broken = JSON.parse(JSON.stringify(find('Deployment', 'fusion')));
    delete broken.spec.selector;
    expect(() => new Deployment(broken).validate()).toThrow();
  });

  it("caps fusion's heap the same way wherever it starts, well under the container's memory limit", () => {
    const heapFlag = `--max-old-space-size=${FUSION_MAX_OLD_SPACE_MB}`;
    expect(FUSION_NODE_ARGS).toContain(heapFlag);
    // The image (compose and Kubernetes run it), npm run start:fusion; demo and benchmarks import FUSION_NODE_ARGS.
    expect(fs.readFileSync(path.join(ROOT, 'apps/fusion/Dockerfile'), 'utf8')).toContain(`ENV NODE_OPTIONS="${FUSION_NODE_ARGS.join(' ')}"`);
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts['start:fusion'].split(' ')).toEqual(expect.arrayContaining([...FUSION_NODE_ARGS]));
    const limit = find('Deployment', 'fusion').spec.template.spec.containers[0].resources.limits.memory as string;
    const limitMb = Number(limit.replace(/Gi$/, '')) * 1024 || Number(limit.replace(/Mi$/, ''));
    // Code, buffers and native memory take a few hundred MB beside the heap.
    expect(limitMb - FUSION_MAX_OLD_SPACE_MB).toBeGreaterThanOrEqual(256);
  });

  it('runs fusion replicated, behind a disruption budget, ready only when /health says so', () => {
    const fusion = find('Deployment', 'fusion');
    expect(fusion.spec.replicas).toBe(2);
    const podLabels = fusion.spec.template.metadata.labels;
    expect(matches(fusion.spec.selector.matchLabels, podLabels)).toBe(true);
    const pdb = find('PodDisruptionBudget', 'fusion');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    const container = fusion.spec.template.spec.containers[0];
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
    const env = Object.fromEntries(container.env.map((e: Any) => [e.name, e.value]));
    expect(env).toMatchObject({ NODE_ENV: 'production', PORT: '3000', REDIS_USERNAME: 'fusion', JWT_SECRET_FILE: '/run/secrets/jwt-secret' });
    expect(env.JWT_SECRET).toBeUndefined();
    const service = find('Service', 'fusion');
    expect(matches(service.spec.selector, podLabels)).toBe(true);
    // Never on an edge box.
    expect(fusion.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([{ key: EDGE_NODE_LABEL, operator: 'DoesNotExist' }]);
    expect(() => renderK8s(city, { fusionReplicas: 1 })).toThrow(/single point of failure/);
  });

  it('uses the city’s PostgreSQL and Redis as external services', () => {
    expect(find('Service', 'postgres').spec.type).toBe('ExternalName');
    expect(find('Service', 'redis').spec.type).toBe('ExternalName');
    expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).not.toEqual(expect.arrayContaining(['postgres', 'redis']));
  });

  it('has one worker per crossing, on edge nodes, preferring its own crossing’s box, with only its own key and disk', () => {
    const workers = objects.filter((o) => o.kind === 'Deployment' && o.metadata.name.startsWith('worker-'));
    expect(workers.map((w) => w.metadata.name).sort()).toEqual(city.crossings.map((c) => k8sWorkerName(c.id)).sort());
    for (const { id } of city.crossings) {
      const worker = find('Deployment', k8sWorkerName(id));
      const spec = worker.spec.template.spec;
      expect(worker.spec.replicas).toBe(1);
      expect(worker.spec.strategy.type).toBe('Recreate');
      expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([{ key: EDGE_NODE_LABEL, operator: 'Exists' }]);
      expect(spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions).toEqual([{ key: CROSSING_NODE_LABEL, operator: 'In', values: [id] }]);
      const env = Object.fromEntries(spec.containers[0].env.map((e: Any) => [e.name, e.value]));
      expect({ id, crossing: env.CROSSING_ID, keys: env.WORKER_KEYS_FILE }).toEqual({ id, crossing: id, keys: `/run/secrets/worker-${id}.json` });
      const secretVolumes = spec.volumes.filter((v: Any) => v.secret);
      expect(secretVolumes.map((v: Any) => v.secret.secretName)).toEqual([`crosscast-worker-key-${id.toLowerCase()}`]);
      const claim = spec.volumes.find((v: Any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
      expect(find('PersistentVolumeClaim', claim)).toBeDefined();
    }
  });

  it('lets workers reach Redis and DNS only', () => {
    const policy = find('NetworkPolicy', 'workers-reach-redis-only');
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const ports = policy.spec.egress.flatMap((rule: Any) => rule.ports.map((p: Any) => p.port));
    expect([...new Set(ports)].sort()).toEqual([53, 6379]);
  });
});
