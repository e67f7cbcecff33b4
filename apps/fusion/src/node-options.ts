/**
 * The Node.js options fusion runs with, wherever it is started: the Dockerfile
 * (NODE_OPTIONS), `npm run start:fusion`, `npm run demo` and the benchmarks
 * (test/static/docker-compose.spec.ts checks that they agree).
 *
 * V8 otherwise sizes its heap from the machine's memory and lets garbage pile up to well
 * over a gigabyte before a full collection: at 4,096 crossings in real time the heap in use
 * climbed from about 300 MB to about 950 MB every minute (820 heartbeats a second) and the
 * process reached 1.3 GB, past the Kubernetes manifest's 1 GiB limit. Capped, V8 collects
 * earlier; the live state at 4,096 crossings is about 300 MB. Raise the cap with the city
 * (about 80 KB per crossing plus 300 MB) and keep it a few hundred MB under the
 * container's memory limit.
 */
export const FUSION_MAX_OLD_SPACE_MB = 640;
export const FUSION_NODE_ARGS: readonly string[] = [`--max-old-space-size=${FUSION_MAX_OLD_SPACE_MB}`];
