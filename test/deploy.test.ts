// deploy/ against the code: the Dockerfile, deploy/docker-compose.yml and the Kubernetes manifests under
// deploy/k8s may only set variables src/config.ts declares (or a third-party image's own), run commands the CLI
// knows with consumers that are registered, keep secrets in secrets, probe the proxy where it answers, and
// carry values loadConfig accepts. No Docker or Kubernetes needed: the files are parsed with `yaml`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CONSUMERS } from '../consumers/index.js';
import { loadConfig, VARIABLES } from '../src/config.js';

// ---- the repository's own facts ----

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const specs = VARIABLES as readonly { name: string; default?: string; secret?: boolean }[];
const KNOWN = new Set(specs.map((v) => v.name));
const SECRET = new Set(specs.filter((v) => v.secret).map((v) => v.name));
const DEFAULT_PORT = Number(specs.find((v) => v.name === 'INSITU_PORT')!.default);
const CONSUMER_NAMES = CONSUMERS.map((c) => c.name);
/** Consumers that read what another writes under INSITU_DATA_DIR: they must share one volume. */
const SHARED_DATA_CONSUMERS = ['dataset-store', 'trainer', 'evaluator'];
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; bin: Record<string, string> };

/** Environment variables third-party images read; Insitu's own must all be in VARIABLES. */
const THIRD_PARTY_ENV: { image: RegExp; allowed: (name: string) => boolean }[] = [
  { image: /^apache\/kafka:/, allowed: (name) => name.startsWith('KAFKA_') || name === 'CLUSTER_ID' },
  { image: /^redis:/, allowed: () => false },
  { image: /^otel\/opentelemetry-collector(-contrib)?:/, allowed: () => false },
];

type Env = Record<string, string>;

/** Why `args` is not a command an Insitu server container can run, or undefined when it is. */
function commandProblem(args: string[]): string | undefined {
  const [command, ...rest] = args;
  if ((command === 'up' || command === 'proxy') && rest.length === 0) return undefined;
  if (command === 'consume' && rest.length === 1) {
    return CONSUMER_NAMES.includes(rest[0]!) ? undefined : `consumer '${rest[0]}' is not registered in consumers/index.ts CONSUMERS (registered: ${CONSUMER_NAMES.join(', ')})`;
  }
  return `'${args.join(' ')}' is not insitu up, insitu proxy or insitu consume <name>`;
}

function unknownVariables(names: Iterable<string>, image: string | undefined): string[] {
  const thirdParty = image === undefined ? undefined : THIRD_PARTY_ENV.find((t) => t.image.test(image));
  return [...names].filter((n) => !KNOWN.has(n) && !(thirdParty?.allowed(n) ?? false));
}

/** Loads the configuration, turning a ConfigError into a failed assertion that names the container. */
function assertConfigLoads(where: string, env: Env) {
  try {
    return loadConfig(env);
  } catch (error) {
    assert.fail(`${where}: loadConfig rejects its environment: ${(error as Error).message}`);
  }
}

const seconds = (text: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  assert.ok(m, `not a duration: ${text}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60 }[m[2] as 'ms' | 's' | 'm'];
};

// ---- Dockerfile ----

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

function dockerfile(): Instruction[] {
  const joined = read('Dockerfile').replace(/\\\n/g, ' ');
  const out: Instruction[] = [];
  let stage = -1;
  for (const line of joined.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(trimmed) ?? [];
    if (op.toUpperCase() === 'FROM') stage++;
    out.push({ op: op.toUpperCase(), args: args.trim(), stage });
  }
  return out;
}

/** Top-level folders of the repository that the CLI's entry file reaches through relative imports. */
function foldersTheCliImports(): Set<string> {
  const seen = new Set<string>();
  const folders = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    folders.add(file.split('/')[0]!);
    const source = read(file);
    for (const m of source.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const target = normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts');
      if (existsSync(join(ROOT, target))) visit(target);
    }
  };
  visit('src/cli/main.ts');
  return folders;
}

/** .dockerignore semantics for plain names, `*` and `!` (the last matching line wins). */
function dockerIgnores(path: string): boolean {
  let ignored = false;
  for (const raw of read('.dockerignore').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = line.replace(/^!/, '').replace(/^\/|\/$/g, '');
    const matches = pattern === '*' || pattern === '**' || path === pattern || path.startsWith(`${pattern}/`);
    if (matches) ignored = !negated;
  }
  return ignored;
}

describe('Dockerfile', () => {
  const steps = dockerfile();
  const last = Math.max(...steps.map((s) => s.stage));
  const runtime = steps.filter((s) => s.stage === last);
  const build = steps.filter((s) => s.stage === 0);

  test('multi-stage on node:20-bookworm-slim', () => {
    const froms = steps.filter((s) => s.op === 'FROM');
    assert.ok(froms.length >= 2, 'a build stage and a runtime stage');
    for (const f of froms) assert.match(f.args, /^node:20-bookworm-slim\b/);
  });

  test('builds with npm ci and scripts that exist in package.json', () => {
    const runs = steps.filter((s) => s.op === 'RUN').map((s) => s.args);
    assert.ok(build.some((s) => s.op === 'RUN' && /\bnpm ci\b/.test(s.args)), 'npm ci in the build stage');
    const scripts = runs.flatMap((r) => [...r.matchAll(/\bnpm run(?:-script)? ([\w:-]+)/g)].map((m) => m[1]!));
    assert.ok(scripts.length > 0, 'the build stage compiles with an npm script');
    for (const s of scripts) assert.ok(pkg.scripts[s], `npm run ${s}: no such script in package.json`);
  });

  test('the runtime stage installs production dependencies without lifecycle scripts', () => {
    const install = runtime.find((s) => s.op === 'RUN' && /\bnpm ci\b/.test(s.args));
    assert.ok(install, 'npm ci in the runtime stage');
    assert.match(install.args, /--omit=dev\b/);
    assert.match(install.args, /--ignore-scripts\b/);
  });

  test('the runtime stage carries the compiled code of every folder the CLI imports, and the context holds its sources', () => {
    const copies = runtime.filter((s) => s.op === 'COPY' && /--from=/.test(s.args)).map((s) => s.args);
    for (const folder of foldersTheCliImports()) {
      assert.ok(copies.some((c) => new RegExp(`/app/dist/${folder}\\s`).test(c)), `runtime stage lacks dist/${folder}`);
      assert.ok(build.some((s) => s.op === 'COPY' && new RegExp(`^${folder}\\s`).test(s.args)), `build stage does not copy ${folder}/`);
      assert.equal(dockerIgnores(folder), false, `.dockerignore drops ${folder}/`);
    }
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json']) assert.equal(dockerIgnores(file), false, `.dockerignore drops ${file}`);
    for (const secretish of ['.env', 'data', 'node_modules', '.git']) assert.equal(dockerIgnores(secretish), true, `.dockerignore lets ${secretish} into the context`);
  });

  test('runs the insitu bin as a non-root user, `up` by default, on INSITU_PORT, with /data as the data volume', () => {
    const json = (op: string) => JSON.parse(runtime.find((s) => s.op === op)!.args) as string[];
    assert.deepEqual(json('ENTRYPOINT'), ['node', pkg.bin.insitu]);
    assert.deepEqual(json('CMD'), ['up']);
    assert.equal(commandProblem(json('CMD')), undefined);
    const user = runtime.filter((s) => s.op === 'USER').at(-1)?.args;
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `runtime user: ${user ?? 'root (none set)'}`);
    assert.deepEqual(runtime.filter((s) => s.op === 'EXPOSE').map((s) => Number(s.args)), [DEFAULT_PORT]);
    const env = runtime.filter((s) => s.op === 'ENV').map((s) => s.args).join(' ');
    assert.match(env, /\bINSITU_DATA_DIR=\/data\b/);
    assert.ok(runtime.some((s) => s.op === 'VOLUME' && s.args.includes('/data')), 'VOLUME /data');
    for (const name of env.matchAll(/\b([A-Z][A-Z0-9_]*)=/g)) {
      if (name[1]!.startsWith('INSITU_') || name[1]!.startsWith('OTEL_')) assert.ok(KNOWN.has(name[1]!), `${name[1]} is not in VARIABLES`);
    }
  });
});

// ---- docker compose ----

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { target: number })[];
  volumes?: (string | { source?: string; target: string })[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test: string | string[] };
  stop_grace_period?: string;
}

const compose = parse(read('deploy/docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
const services = Object.entries(compose.services);
const isInsituService = (s: ComposeService) => s.build !== undefined || /^insitu[:@]/.test(s.image ?? '');
const insituServices = services.filter(([, s]) => isInsituService(s));

function composeEnvironment(s: ComposeService): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

const INTERPOLATION = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?\}$/;

/** The value compose passes when the user's environment and .env set nothing (the secrets: a placeholder). */
function resolveUnset(name: string, raw: string): string {
  const m = INTERPOLATION.exec(raw);
  if (!m) return raw.replace(/\$\$/g, '$');
  const [, , op, fallback = ''] = m;
  if (op === ':-' || op === '-') return fallback;
  return SECRET.has(name) ? 'placeholder-secret' : '';
}

const composeCommand = (s: ComposeService): string[] =>
  s.command === undefined ? ['up'] : Array.isArray(s.command) ? s.command : s.command.trim().split(/\s+/);

const volumeAt = (s: ComposeService, target: string): string | undefined => {
  for (const v of s.volumes ?? []) {
    if (typeof v === 'string') {
      const [source, path] = v.split(':');
      if (path === target) return source;
    } else if (v.target === target) return v.source;
  }
  return undefined;
};

describe('docker compose', () => {
  test('Kafka is one KRaft node (broker and controller) of apache/kafka 3.9 or later, Redis 7, an OTel collector', () => {
    const kafka = services.find(([, s]) => /^apache\/kafka:/.test(s.image ?? ''));
    assert.ok(kafka, 'an apache/kafka service');
    const [major = 0, minor = 0] = (kafka[1].image!.split(':')[1] ?? '').split('.').map(Number);
    assert.ok(major > 3 || (major === 3 && minor >= 9), `apache/kafka ${kafka[1].image}: 3.9 or later`);
    const env = composeEnvironment(kafka[1]);
    assert.deepEqual(env.KAFKA_PROCESS_ROLES?.split(',').sort(), ['broker', 'controller']);
    assert.match(env.KAFKA_CONTROLLER_QUORUM_VOTERS ?? '', new RegExp(`^${env.KAFKA_NODE_ID}@`));
    assert.ok(services.some(([, s]) => /^redis:7\b/.test(s.image ?? '')), 'a redis:7 service');
    assert.ok(services.some(([, s]) => /^otel\/opentelemetry-collector-contrib:/.test(s.image ?? '')), 'an OTel collector service');
  });

  test('every registered consumer and the proxy run as a service of their own', () => {
    const commands = insituServices.map(([, s]) => composeCommand(s).join(' '));
    assert.ok(commands.includes('proxy'), 'a proxy service');
    for (const name of CONSUMER_NAMES) assert.ok(commands.includes(`consume ${name}`), `no service runs consume ${name}`);
  });

  for (const [name, service] of services) {
    test(`${name}: sets only known variables; secrets only through \${VAR} interpolation; depends on healthy services`, () => {
      const env = composeEnvironment(service);
      assert.deepEqual(unknownVariables(Object.keys(env), isInsituService(service) ? undefined : service.image), []);
      for (const [key, raw] of Object.entries(env)) {
        if (!SECRET.has(key)) continue;
        const m = INTERPOLATION.exec(raw);
        assert.ok(m && m[1] === key, `${key} must come from \${${key}} (an env file or the shell), not a literal`);
        const fallback = m[3] ?? '';
        assert.ok(fallback === '' || /^[a-z]+:\/\/[^@\s]+$/.test(fallback), `${key}: its default may not carry a credential`);
      }
      const dependsOn = service.depends_on ?? {};
      for (const [dependency, { condition }] of Array.isArray(dependsOn) ? [] : Object.entries(dependsOn)) {
        assert.ok(compose.services[dependency], `depends on unknown service ${dependency}`);
        if (condition === 'service_healthy') assert.ok(compose.services[dependency]!.healthcheck, `${dependency} has no healthcheck to wait for`);
      }
    });
  }

  for (const [name, service] of insituServices) {
    test(`${name}: runs a valid insitu command`, () => {
      assert.equal(commandProblem(composeCommand(service)), undefined);
    });

    test(`${name}: its environment loads, reaches the compose Kafka, Redis and collector, and drains before SIGKILL`, () => {
      const env = Object.fromEntries(Object.entries(composeEnvironment(service)).map(([k, v]) => [k, resolveUnset(k, v)]));
      const config = assertConfigLoads(name, env);
      assert.ok(config.kafka, 'INSITU_KAFKA_BROKERS is set');
      const kafka = services.find(([, s]) => /^apache\/kafka:/.test(s.image ?? ''))![1];
      const advertised = composeEnvironment(kafka).KAFKA_ADVERTISED_LISTENERS ?? '';
      for (const broker of config.kafka.brokers) assert.ok(advertised.includes(`//${broker}`), `${broker} is not an advertised listener (${advertised})`);
      assert.ok(config.redis && compose.services[new URL(config.redis.url).hostname], 'INSITU_REDIS_URL names the redis service');
      const otlp = new URL(config.telemetry.otlpEndpoint ?? 'http://unset');
      assert.ok(compose.services[otlp.hostname] && otlp.port === '4318', `OTEL_EXPORTER_OTLP_ENDPOINT ${otlp.href}: the collector's OTLP/HTTP port`);
      assert.ok(service.stop_grace_period && seconds(service.stop_grace_period) * 1000 > config.shutdownTimeoutMs, 'stop_grace_period above INSITU_SHUTDOWN_TIMEOUT_MS');
    });
  }

  test('the proxy publishes INSITU_PORT and is health-checked on /healthz there, with a volume of its own', () => {
    const [name, proxy] = insituServices.find(([, s]) => composeCommand(s)[0] === 'proxy')!;
    const config = assertConfigLoads(name, Object.fromEntries(Object.entries(composeEnvironment(proxy)).map(([k, v]) => [k, resolveUnset(k, v)])));
    const targets = (proxy.ports ?? []).map((p) => (typeof p === 'string' ? Number(p.split(':').at(-1)) : p.target));
    assert.ok(targets.includes(config.port), `no published port targets ${config.port}`);
    const check = [proxy.healthcheck?.test ?? []].flat().join(' ');
    assert.match(check, new RegExp(`:${config.port}/healthz\\b`));
    const spool = volumeAt(proxy, config.dataDir);
    assert.ok(spool, `the proxy's INSITU_DATA_DIR ${config.dataDir} is a volume`);
    for (const [other, s] of services) if (other !== name) assert.notEqual(volumeAt(s, config.dataDir), spool, `${other} shares the proxy's spool volume`);
  });

  test('dataset-store, trainer and evaluator share one named volume at INSITU_DATA_DIR', () => {
    const sources = SHARED_DATA_CONSUMERS.map((consumer) => {
      const found = insituServices.find(([, s]) => composeCommand(s).join(' ') === `consume ${consumer}`);
      assert.ok(found, `no service runs consume ${consumer}`);
      const dataDir = resolveUnset('INSITU_DATA_DIR', composeEnvironment(found[1]).INSITU_DATA_DIR ?? '');
      return volumeAt(found[1], dataDir);
    });
    assert.ok(sources[0] && compose.volumes && sources[0] in compose.volumes, `a named volume, got ${sources[0]}`);
    assert.deepEqual(new Set(sources).size, 1, `different volumes: ${sources.join(', ')}`);
  });

  test('the collector config receives OTLP over HTTP on 4318 and exports traces', () => {
    const collector = parse(read('deploy/otel-collector.yaml')) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      exporters: Record<string, unknown>;
      service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
    };
    assert.match(collector.receivers.otlp.protocols.http.endpoint, /^0\.0\.0\.0:4318$/);
    assert.ok(collector.service.pipelines.traces.receivers.includes('otlp'));
    for (const e of collector.service.pipelines.traces.exporters) assert.ok(e in collector.exporters, `exporter ${e} is not defined`);
  });
});

// ---- Kubernetes ----

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: { cpu?: string; memory?: string } };
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    accessModes?: string[];
    scaleTargetRef?: { apiVersion: string; kind: string; name: string };
    metrics?: { type: string; resource?: { name: string } }[];
    ports?: { port: number; targetPort: number | string }[];
    template?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        containers: Container[];
        terminationGracePeriodSeconds?: number;
        securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
        volumes?: { name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: unknown }[];
      };
    };
  };
}

const K8S = 'deploy/k8s';
const k8sFiles = readdirSync(join(ROOT, K8S)).filter((f) => /\.ya?ml$/.test(f));
const kustomization = parse(read(`${K8S}/kustomization.yaml`)) as { resources: string[]; images?: { name: string }[] };
const manifests: Manifest[] = k8sFiles
  .filter((f) => f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(read(`${K8S}/${f}`)).map((d) => d.toJS() as Manifest))
  .filter(Boolean);
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const named = (kind: string, name: string) => ofKind(kind).find((m) => m.metadata.name === name);
const insituImage = (image: string) => image === 'insitu' || /^insitu[:@]/.test(image) || (kustomization.images ?? []).some((i) => i.name === image);
const deployments = ofKind('Deployment');
const containersOf = (d: Manifest) => d.spec?.template?.spec.containers ?? [];
const insituContainers = deployments.flatMap((d) => containersOf(d).filter((c) => insituImage(c.image)).map((c) => ({ deployment: d, container: c })));
const argsOf = (c: Container) => c.args ?? (c.command ? [] : ['up']);
const runs = (c: Container, command: string) => argsOf(c).join(' ') === command;

/** The container's environment as Kubernetes builds it: envFrom in order, then env (which wins). */
function k8sEnvironment(c: Container): Env {
  const env: Env = {};
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, named('ConfigMap', from.configMapRef.name)?.data ?? assert.fail(`no ConfigMap ${from.configMapRef.name}`));
    if (from.secretRef) {
      const secret = named('Secret', from.secretRef.name) ?? assert.fail(`no Secret ${from.secretRef.name}`);
      Object.assign(env, secret.data ?? {}, secret.stringData ?? {});
    }
  }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
    if (ref) {
      const source = named(e.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name);
      const value = source?.stringData?.[ref.key] ?? source?.data?.[ref.key];
      assert.ok(value !== undefined, `${e.name}: ${ref.name} has no key ${ref.key}`);
      env[e.name] = value;
    } else env[e.name] = e.value ?? '';
  }
  return env;
}

const portNumber = (c: Container, port: number | string | undefined): number | undefined =>
  typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;

describe('Kubernetes manifests', () => {
  test('kustomization.yaml lists every manifest in deploy/k8s, and nothing else; no namespace is hard-coded', () => {
    assert.deepEqual([...kustomization.resources].sort(), k8sFiles.filter((f) => f !== 'kustomization.yaml').sort());
    for (const m of manifests) assert.equal(m.metadata.namespace, undefined, `${m.kind} ${m.metadata.name} names a namespace`);
  });

  test('the ConfigMap holds only known, non-secret variables; the Secret holds every secret variable and nothing else', () => {
    const [secret, ...moreSecrets] = ofKind('Secret');
    assert.ok(ofKind('ConfigMap').length > 0 && secret && moreSecrets.length === 0, 'a ConfigMap and one Secret');
    for (const config of ofKind('ConfigMap')) {
      assert.deepEqual(unknownVariables(Object.keys(config.data ?? {}), undefined), []);
      assert.deepEqual(Object.keys(config.data ?? {}).filter((k) => SECRET.has(k)), [], `secrets in ConfigMap ${config.metadata.name}`);
    }
    const keys = Object.keys({ ...secret.data, ...secret.stringData });
    assert.deepEqual(keys.filter((k) => !SECRET.has(k)), [], 'non-secret or unknown variables in the Secret');
    assert.deepEqual([...SECRET].filter((k) => !keys.includes(k)).sort(), [], 'secret variables missing from the Secret');
    assert.ok(Object.values(secret.stringData ?? {}).every((v) => v === '' || v.includes('replace-me')), 'the Secret holds placeholders only');
  });

  test('every registered consumer and the proxy have a Deployment', () => {
    assert.ok(insituContainers.some(({ container }) => runs(container, 'proxy')), 'a proxy Deployment');
    for (const name of CONSUMER_NAMES) assert.ok(insituContainers.some(({ container }) => runs(container, `consume ${name}`)), `no Deployment runs consume ${name}`);
  });

  for (const d of deployments) {
    for (const c of containersOf(d)) {
      const where = `${d.metadata.name}/${c.name}`;
      test(`${where}: sets only known variables, secrets only from the Secret`, () => {
        assert.deepEqual(unknownVariables(Object.keys(k8sEnvironment(c)), insituImage(c.image) ? undefined : c.image), []);
        for (const e of c.env ?? []) {
          if (SECRET.has(e.name)) assert.ok(e.valueFrom?.secretKeyRef, `${e.name} must come from a secretKeyRef, not a value or a ConfigMap`);
        }
      });
      if (!insituImage(c.image)) continue;
      test(`${where}: runs a valid insitu command`, () => {
        assert.equal(c.command, undefined, 'keep the image ENTRYPOINT; put the insitu command in args');
        assert.equal(commandProblem(argsOf(c)), undefined);
      });
      test(`${where}: its environment loads, it runs as non-root, and it drains before SIGKILL`, () => {
        const config = assertConfigLoads(where, k8sEnvironment(c));
        const pod = d.spec!.template!.spec;
        const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
        const uid = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
        assert.ok(nonRoot === true && uid !== 0, 'runAsNonRoot with a non-zero runAsUser');
        const preStop = c.lifecycle?.preStop?.exec?.command ?? [];
        const sleep = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
        assert.ok((pod.terminationGracePeriodSeconds ?? 30) * 1000 > config.shutdownTimeoutMs + sleep * 1000, 'terminationGracePeriodSeconds above preStop + INSITU_SHUTDOWN_TIMEOUT_MS');
        const dataMount = c.volumeMounts?.find((m) => m.mountPath === config.dataDir);
        assert.ok(dataMount, `INSITU_DATA_DIR ${config.dataDir} is a mounted volume (the root filesystem may be read-only)`);
      });
    }
  }

  const proxy = insituContainers.find(({ container }) => runs(container, 'proxy'));

  test('the proxy: 2 replicas, /readyz and /healthz probes on the port of INSITU_PORT, CPU requests, its own spool', () => {
    assert.ok(proxy, 'a proxy Deployment');
    const { deployment, container } = proxy;
    const config = assertConfigLoads('proxy', k8sEnvironment(container));
    assert.equal(deployment.spec?.replicas, 2);
    assert.ok(container.ports?.some((p) => p.containerPort === config.port), `a containerPort ${config.port}`);
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(portNumber(container, container.readinessProbe?.httpGet?.port), config.port);
    assert.equal(portNumber(container, container.livenessProbe?.httpGet?.port), config.port);
    assert.ok(container.resources?.requests?.cpu, 'a CPU request (the HPA scales on CPU utilisation)');
    const mount = container.volumeMounts!.find((m) => m.mountPath === config.dataDir)!;
    const volume = deployment.spec!.template!.spec.volumes?.find((v) => v.name === mount.name);
    assert.ok(volume?.emptyDir !== undefined, 'each replica spools to its own volume (a shared one fails the outbox lock)');
    const service = ofKind('Service').find((s) => s.spec?.ports?.length);
    assert.ok(service, 'a Service');
    assert.ok(service.spec!.ports!.every((p) => portNumber(container, p.targetPort) === config.port), 'the Service targets INSITU_PORT');
  });

  test('every consumer serves /readyz and /healthz on INSITU_OPS_PORT, its probes point there and Prometheus scrapes that port', () => {
    for (const name of CONSUMER_NAMES) {
      const found = insituContainers.find(({ container }) => runs(container, `consume ${name}`));
      assert.ok(found, `no Deployment runs consume ${name}`);
      const { container, deployment } = found;
      const config = assertConfigLoads(name, k8sEnvironment(container));
      assert.ok(config.telemetry.opsPort, `${name}: INSITU_OPS_PORT is set (else the consumer serves nothing to probe)`);
      // its metrics (feedback by rubric, pairs, jobs, lag) are scraped from the same port
      const annotations = deployment.spec?.template?.metadata?.annotations ?? {};
      assert.equal(annotations['prometheus.io/scrape'], 'true', name);
      assert.equal(Number(annotations['prometheus.io/port']), config.telemetry.opsPort, name);
      assert.equal(container.readinessProbe?.httpGet?.path, '/readyz', name);
      assert.equal(container.livenessProbe?.httpGet?.path, '/healthz', name);
      assert.equal(portNumber(container, container.readinessProbe?.httpGet?.port), config.telemetry.opsPort, name);
      assert.equal(portNumber(container, container.livenessProbe?.httpGet?.port), config.telemetry.opsPort, name);
    }
  });

  test('the HPA (autoscaling/v2) scales the proxy Deployment on CPU', () => {
    const [hpa] = ofKind('HorizontalPodAutoscaler');
    assert.ok(hpa && proxy);
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: proxy.deployment.metadata.name });
    assert.ok(hpa.spec?.metrics?.some((m) => m.type === 'Resource' && m.resource?.name === 'cpu'));
  });

  test('dataset-store, trainer and evaluator mount one ReadWriteMany claim at INSITU_DATA_DIR', () => {
    const claims = SHARED_DATA_CONSUMERS.map((consumer) => {
      const found = insituContainers.find(({ container }) => runs(container, `consume ${consumer}`));
      assert.ok(found, `no Deployment runs consume ${consumer}`);
      const dataDir = assertConfigLoads(consumer, k8sEnvironment(found.container)).dataDir;
      const mount = found.container.volumeMounts?.find((m) => m.mountPath === dataDir);
      return found.deployment.spec!.template!.spec.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
    });
    assert.equal(new Set(claims).size, 1, `different claims: ${claims.join(', ')}`);
    const pvc = named('PersistentVolumeClaim', claims[0] ?? '');
    assert.ok(pvc, `no PersistentVolumeClaim ${claims[0]}`);
    assert.deepEqual(pvc.spec?.accessModes, ['ReadWriteMany']);
  });
});
