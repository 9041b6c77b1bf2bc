import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvVariables, loadConfig } from '../../shared/config.ts';
import { resourceDefinitions } from '../../shared/resources.ts';
import {
  environmentOf,
  interpolate,
  portsOf,
  readCompose,
  serviceOf,
  volumesOf,
} from './support/compose.ts';
import { readDockerfile } from './support/dockerfile.ts';

const root = join(import.meta.dirname, '../..');
const compose = readCompose(join(root, 'docker-compose.yml'));
const localstack = serviceOf(compose, 'localstack');
const api = serviceOf(compose, 'api');
const worker = serviceOf(compose, 'worker');
const processes = { api, worker };

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

function mountTarget(source: string): string | undefined {
  return volumesOf(localstack).find((mount) => mount.source === source)?.target;
}

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

  it('runs only SQS and DynamoDB, on port 4566 of loopback, without the Docker socket', () => {
    expect(environmentOf(localstack).SERVICES?.split(',').sort()).toEqual(['dynamodb', 'sqs']);
    expect(portsOf(localstack)).toEqual([
      { hostIp: '127.0.0.1', hostPort: 4566, containerPort: 4566 },
    ]);
    expect(JSON.stringify(localstack.volumes)).not.toContain('docker.sock');
    expect(localstack.privileged).toBeUndefined();
  });

  it('mounts the init hooks, the healthcheck and the resource definitions read-only', () => {
    const mounts = volumesOf(localstack);
    for (const mount of mounts) {
      expect(mount.readOnly, mount.source).toBe(true);
      expect(existsSync(join(root, mount.source)), mount.source).toBe(true);
    }
    expect(mountTarget('./localstack/ready.d')).toBe('/etc/localstack/init/ready.d');
    // The hook reads the definitions from RESOURCE_DEFINITIONS: that must be where they are.
    expect(mountTarget('./shared/resources.json')).toBe(
      environmentOf(localstack).RESOURCE_DEFINITIONS,
    );
    expect(localstack.healthcheck?.test).toEqual([
      'CMD',
      'python3',
      mountTarget('./localstack/healthcheck.py'),
    ]);
  });

  it('has ready.d hooks that LocalStack can run: executable bash that stops on any failure', () => {
    const hooks = readdirSync(join(root, 'localstack/ready.d'));
    expect(hooks.length).toBeGreaterThan(0);
    for (const hook of hooks) {
      const path = join(root, 'localstack/ready.d', hook);
      accessSync(path, constants.X_OK);
      const text = readFileSync(path, 'utf8');
      expect(text.startsWith('#!/usr/bin/env bash\n'), hook).toBe(true);
      expect(text, hook).toContain('set -euo pipefail');
    }
  });
});

describe('the api and worker services', () => {
  it('start only once LocalStack is healthy, that is once its init hook succeeded', () => {
    for (const service of Object.values(processes)) {
      expect(service.depends_on).toEqual({ localstack: { condition: 'service_healthy' } });
    }
  });

  it('are built from the one Dockerfile, each from its own stage', () => {
    const stages = readDockerfile(join(root, 'Dockerfile')).map((stage) => stage.name);
    for (const [name, service] of Object.entries(processes)) {
      expect(service.build).toEqual({ context: '.', target: name });
      expect(stages).toContain(name);
      expect(service.image).toBeUndefined();
    }
  });

  it('get only variables that the config schema or the AWS credential chain knows', () => {
    const known = [...Object.keys(EnvVariables.shape), ...CREDENTIAL_CHAIN_VARIABLES];
    for (const [name, service] of Object.entries(processes)) {
      const unknown = Object.keys(environmentOf(service)).filter((key) => !known.includes(key));
      expect(unknown, name).toEqual([]);
    }
  });

  it('point at LocalStack by name with dummy credentials and a valid config', () => {
    for (const service of Object.values(processes)) {
      const env = environmentOf(service);
      const config = loadConfig(env);
      expect(config.aws).toEqual({
        region: 'us-east-1',
        sqsEndpoint: 'http://localstack:4566',
        dynamoDbEndpoint: 'http://localstack:4566',
      });
      expect(env).toMatchObject({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
      expect(service.command).toBeUndefined();
    }
  });

  it('name the tables and queues of the resource definitions, as LocalStack’s hook does', () => {
    for (const service of Object.values(processes)) {
      expect(loadConfig(environmentOf(service)).resources).toEqual(defaultNames);
    }
    const hook = environmentOf(localstack);
    expect([
      hook.USERS_TABLE,
      hook.COMMANDS_TABLE,
      hook.COMMAND_QUEUE,
      hook.DEAD_LETTER_QUEUE,
    ]).toEqual([
      defaultNames.tables.users,
      defaultNames.tables.commands,
      defaultNames.queues.command,
      defaultNames.queues.commandDeadLetter,
    ]);
  });

  it('follow one shell override of a name or the region in every service at once', () => {
    const shell = { USERS_TABLE: 'users-staging', AWS_REGION: 'eu-west-1' };
    for (const service of [localstack, api, worker]) {
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
