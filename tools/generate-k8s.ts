/**
 * Generates Kubernetes manifests for a city from `seed-data/<city>/crossings.json`:
 * fusion as a replicated Deployment (2 replicas, a PodDisruptionBudget, readiness from
 * /health), one edge-worker Deployment per crossing pinned to edge nodes, PostgreSQL and
 * Redis as external services, and network policies that keep the street away from the city.
 *
 *   npm run k8s:generate                                   # seed-data/boroondara-2006
 *   npm run k8s:generate -- --city-dir seed-data/<city> --out deploy/k8s/<city>.yaml
 *   npm run k8s:generate -- --check                        # exit 1 if the file is stale
 *
 * No cluster here: test/static/k8s-manifests.spec.ts validates every object against the
 * Kubernetes OpenAPI schemas (kubernetes-models) and checks the wiring. Output is a pure
 * function of the crossing list and the options, so re-running is a no-op.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { DEFAULT_CITY_DIR, workerSecretName } from './generate-compose';

export interface K8sCity {
  city: string;
  crossings: ReadonlyArray<{ id: string }>;
}

export interface RenderK8sOptions {
  cityDir?: string;
  namespace?: string;
  /** Image names are `<prefix>fusion:<tag>` etc.; push them to the city's own registry. */
  imagePrefix?: string;
  imageTag?: string;
  /** Host names of the city's PostgreSQL and Redis (outside the cluster, managed by IT). */
  postgresHost?: string;
  redisHost?: string;
  fusionReplicas?: number;
}

export const DEFAULT_K8S_FILE = 'deploy/k8s/crosscast.yaml';
/** The label KubeEdge and k3s edge agents carry; workers run only on such nodes. */
export const EDGE_NODE_LABEL = 'node-role.kubernetes.io/edge';
/** Put on a crossing's own box, so its worker lands next to its detectors. */
export const CROSSING_NODE_LABEL = 'crosscast.io/crossing';

type Manifest = Record<string, unknown>;

const APP_ROOT = '/app';
const QUEUE_PREFIX = 'crosscast';

/** `worker-<id>` as a DNS-1123 name (lowercase; `_` is not allowed in Kubernetes names). */
export function k8sWorkerName(crossingId: string): string {
  return `worker-${crossingId.toLowerCase().replace(/_/g, '-')}`;
}

export function renderK8s(city: K8sCity, options: RenderK8sOptions = {}): Manifest[] {
  const namespace = options.namespace ?? 'crosscast';
  const cityDir = options.cityDir ?? DEFAULT_CITY_DIR;
  const image = (app: string) => `${options.imagePrefix ?? 'crosscast/'}${app}:${options.imageTag ?? 'local'}`;
  const replicas = options.fusionReplicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 2) throw new Error('fusion needs at least 2 replicas: a single one is a single point of failure');
  const ids = city.crossings.map((c) => c.id);
  if (ids.length === 0) throw new Error('crossings.json: "crossings" must be a non-empty array');
  const names = new Set<string>();
  for (const id of ids) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error(`crossing id ${JSON.stringify(id)} must be 1-32 letters, digits, "-" or "_"`);
    const name = k8sWorkerName(id);
    if (names.has(name)) throw new Error(`two crossings map to the Kubernetes name ${name}`);
    names.add(name);
  }

  const meta = (name: string, labels: Record<string, string> = {}) => ({ name, namespace, labels: { 'app.kubernetes.io/part-of': 'crosscast', ...labels } });
  const secretVolume = (secretName: string) => ({ name: 'secrets', secret: { secretName, defaultMode: 0o400 } });
  const secretMount = { name: 'secrets', mountPath: '/run/secrets', readOnly: true };
  const restricted = {
    runAsNonRoot: true,
    runAsUser: 1000,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
  const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));
  const fusionLabels = { 'app.kubernetes.io/name': 'fusion' };

  const manifests: Manifest[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'crosscast' } } },
    // The city's PostgreSQL and Redis run outside the cluster (IT's managed servers).
    { apiVersion: 'v1', kind: 'Service', metadata: meta('postgres'), spec: { type: 'ExternalName', externalName: options.postgresHost ?? 'postgres.city.internal' } },
    { apiVersion: 'v1', kind: 'Service', metadata: meta('redis'), spec: { type: 'ExternalName', externalName: options.redisHost ?? 'redis.city.internal' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('fusion', fusionLabels),
      spec: {
        replicas,
        selector: { matchLabels: fusionLabels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: { 'app.kubernetes.io/part-of': 'crosscast', ...fusionLabels } },
          spec: {
            // Replicas on different nodes, so one node's loss leaves a leader candidate.
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: fusionLabels }, topologyKey: 'kubernetes.io/hostname' } },
                ],
              },
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: EDGE_NODE_LABEL, operator: 'DoesNotExist' }] }] },
              },
            },
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'fusion',
                image: image('fusion'),
                ports: [{ name: 'http', containerPort: 3000 }],
                env: env({
                  NODE_ENV: 'production',
                  PORT: '3000',
                  DATABASE_URL: 'postgres://crosscast@postgres:5432/crosscast',
                  DATABASE_PASSWORD_FILE: '/run/secrets/postgres-password',
                  REDIS_URL: 'redis://redis:6379',
                  REDIS_USERNAME: 'fusion',
                  REDIS_PASSWORD_FILE: '/run/secrets/redis-fusion-password',
                  CITY_DIR: `${APP_ROOT}/${cityDir}`,
                  QUEUE_PREFIX,
                  WORKER_KEYS_FILE: '/run/secrets/worker-keys.json',
                  SIMULATOR_KEY_FILE: '/run/secrets/simulator-key.json',
                  JWT_SECRET_FILE: '/run/secrets/jwt-secret',
                  ADMIN_USERNAME: 'admin',
                  ADMIN_PASSWORD_FILE: '/run/secrets/admin-password',
                  // The ingress controller's addresses (cluster pod network); set to the city's.
                  TRUST_PROXY: '10.0.0.0/8',
                  // Every replica may migrate at start: runMigrationsLocked serialises them (advisory lock).
                  MIGRATE_ON_START: 'true',
                }),
                readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                livenessProbe: { tcpSocket: { port: 'http' }, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 6 },
                resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } },
                securityContext: restricted,
                volumeMounts: [secretMount, { name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [secretVolume('crosscast-fusion'), { name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('fusion', fusionLabels), spec: { minAvailable: 1, selector: { matchLabels: fusionLabels } } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('fusion', fusionLabels),
      // ClientIP affinity keeps socket.io's long-polling handshake on one replica; events
      // reach every replica's clients through the Redis adapter.
      spec: { selector: fusionLabels, ports: [{ name: 'http', port: 3000, targetPort: 'http' }], sessionAffinity: 'ClientIP' },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('workers-reach-redis-only'),
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'edge-worker' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        // Redis (outside the cluster) and DNS only: never PostgreSQL or fusion.
        egress: [{ ports: [{ protocol: 'TCP', port: 6379 }] }, { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
      },
    },
  ];

  for (const id of ids) {
    const name = k8sWorkerName(id);
    const labels = { 'app.kubernetes.io/name': 'edge-worker', [CROSSING_NODE_LABEL]: id.toLowerCase().replace(/_/g, '-') };
    manifests.push(
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(`${name}-data`, labels), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(name, labels),
        spec: {
          replicas: 1,
          // One writer of the crossing's disk outbox and model at a time.
          strategy: { type: 'Recreate' },
          selector: { matchLabels: labels },
          template: {
            metadata: { labels: { 'app.kubernetes.io/part-of': 'crosscast', ...labels } },
            spec: {
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: EDGE_NODE_LABEL, operator: 'Exists' }] }] },
                  preferredDuringSchedulingIgnoredDuringExecution: [
                    { weight: 100, preference: { matchExpressions: [{ key: CROSSING_NODE_LABEL, operator: 'In', values: [id] }] } },
                  ],
                },
              },
              tolerations: [{ key: EDGE_NODE_LABEL, operator: 'Exists', effect: 'NoSchedule' }],
              containers: [
                {
                  name: 'edge-worker',
                  image: image('edge-worker'),
                  ports: [{ name: 'health', containerPort: 8080 }],
                  env: env({
                    NODE_ENV: 'production',
                    CROSSING_ID: id,
                    REDIS_URL: 'redis://redis:6379',
                    REDIS_USERNAME: 'worker',
                    REDIS_PASSWORD_FILE: '/run/secrets/redis-worker-password',
                    WORKER_KEYS_FILE: `/run/secrets/worker-${id}.json`,
                    CITY_DIR: `${APP_ROOT}/${cityDir}`,
                    DATA_DIR: '/data/state',
                    TFJS_BACKEND: 'auto',
                    HEALTH_PORT: '8080',
                    HOST: '0.0.0.0',
                    QUEUE_PREFIX,
                  }),
                  readinessProbe: { httpGet: { path: '/health', port: 'health' }, periodSeconds: 10, timeoutSeconds: 5 },
                  livenessProbe: { tcpSocket: { port: 'health' }, initialDelaySeconds: 60, periodSeconds: 20, failureThreshold: 6 },
                  // Raspberry Pi class boxes.
                  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '768Mi' } },
                  securityContext: restricted,
                  volumeMounts: [secretMount, { name: 'data', mountPath: '/data' }, { name: 'tmp', mountPath: '/tmp' }],
                },
              ],
              volumes: [
                // Its own crossing's key and the worker Redis password only.
                secretVolume(`crosscast-${workerSecretName(id).replace(/_/g, '-')}`),
                { name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } },
                { name: 'tmp', emptyDir: {} },
              ],
            },
          },
        },
      },
    );
  }
  return manifests;
}

export function renderK8sYaml(city: K8sCity, options: RenderK8sOptions = {}): string {
  const header = [
    '# GENERATED FILE - do not edit by hand.',
    `# Generated by tools/generate-k8s.ts from ${options.cityDir ?? DEFAULT_CITY_DIR}/crossings.json (${city.crossings.length} crossings).`,
    '# Secrets are referenced, never written here: create crosscast-fusion and crosscast-worker-key-<id>',
    '# from the files npm run keys:generate / secrets:generate write (README, Kubernetes).',
    '',
  ].join('\n');
  return header + renderK8s(city, options).map((m) => yaml.dump(m, { lineWidth: 160, noRefs: true, sortKeys: false })).join('---\n');
}

function parseArgs(argv: string[]): { cityDir: string; out: string; check: boolean; options: RenderK8sOptions } {
  const result = { cityDir: DEFAULT_CITY_DIR, out: DEFAULT_K8S_FILE, check: false, options: {} as RenderK8sOptions };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--city-dir') result.cityDir = value();
    else if (flag === '--out') result.out = value();
    else if (flag === '--check') result.check = true;
    else if (flag === '--namespace') result.options.namespace = value();
    else if (flag === '--image-prefix') result.options.imagePrefix = value();
    else if (flag === '--image-tag') result.options.imageTag = value();
    else if (flag === '--postgres-host') result.options.postgresHost = value();
    else if (flag === '--redis-host') result.options.redisHost = value();
    else if (flag === '--fusion-replicas') result.options.fusionReplicas = Number(value());
    else throw new Error(`unknown argument ${JSON.stringify(flag)} (see the header of tools/generate-k8s.ts)`);
  }
  return result;
}

export function main(argv: string[] = process.argv.slice(2), root: string = process.cwd()): number {
  const args = parseArgs(argv);
  const cityDir = path.relative(root, path.resolve(root, args.cityDir)).replace(/\\/g, '/');
  const file = path.join(root, cityDir, 'crossings.json');
  if (!fs.existsSync(file)) throw new Error(`${file} not found`);
  const city = JSON.parse(fs.readFileSync(file, 'utf8')) as K8sCity;
  const text = renderK8sYaml(city, { ...args.options, cityDir });
  const out = path.resolve(root, args.out);
  if (args.check) {
    const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    if (current !== text) {
      process.stderr.write(`${path.relative(root, out)} is out of date; run npm run k8s:generate\n`);
      return 1;
    }
    return 0;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  process.stdout.write(`wrote ${path.relative(root, out)}: fusion ×${args.options.fusionReplicas ?? 2}, ${city.crossings.length} workers\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (error) {
    process.stderr.write(`generate-k8s: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
