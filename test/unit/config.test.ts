import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config.ts';
import { resourceDefinitions, suffixedResourceNames } from '../../shared/resources.ts';

describe('configuration', () => {
  it('has defaults that run locally', () => {
    const config = loadConfig({});
    expect(config.env.PORT).toBe(5000);
    expect(config.env.BCRYPT_COST).toBe(10);
    expect(config.resources).toEqual({
      tables: { users: 'users', commands: 'commands' },
      queues: { command: 'user-commands.fifo', commandDeadLetter: 'user-commands-dlq.fifo' },
    });
    expect(config.aws).toEqual({
      region: 'us-east-1',
      sqsEndpoint: undefined,
      dynamoDbEndpoint: undefined,
    });
  });

  it('lets a per-service endpoint override the shared one', () => {
    const config = loadConfig({
      AWS_ENDPOINT_URL: 'http://localstack:4566',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
    });
    expect(config.aws.sqsEndpoint).toBe('http://localstack:4566');
    expect(config.aws.dynamoDbEndpoint).toBe('http://127.0.0.1:8000');
  });

  it('names every bad variable in one message', () => {
    const load = () =>
      loadConfig({
        PORT: 'eighty',
        BCRYPT_COST: '3',
        COMMAND_QUEUE: 'plain-queue',
        AWS_ENDPOINT_URL: 'nope',
      });
    expect(load).toThrow(ConfigError);
    const message = (() => {
      try {
        load();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('PORT="eighty"');
    expect(message).toContain('BCRYPT_COST="3"');
    expect(message).toContain(
      'COMMAND_QUEUE="plain-queue": must be the name of a FIFO queue (ending in .fifo)',
    );
    expect(message).toContain('AWS_ENDPOINT_URL="nope": must be a URL');
  });

  it('shares the cores among API processes for hashing, and needs a fixed port for several', () => {
    const cores = availableParallelism();
    expect(loadConfig({}).hashThreads).toBe(cores);
    expect(loadConfig({ API_PROCESSES: String(cores) }).hashThreads).toBe(1);
    expect(loadConfig({ API_PROCESSES: '2', HASH_THREADS: '3' }).hashThreads).toBe(3);
    expect(() => loadConfig({ API_PROCESSES: '2', PORT: '0' })).toThrow(
      'PORT="0": must be a fixed port when API_PROCESSES > 1',
    );
    expect(loadConfig({ API_PROCESSES: '1', PORT: '0' }).env.PORT).toBe(0);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '' }).env.PORT).toBe(5000);
  });

  it('renames each resource through the variable resources.json names for it (the LocalStack hook reads the same)', () => {
    for (const kind of ['tables', 'queues'] as const) {
      for (const [key, definition] of Object.entries(resourceDefinitions[kind])) {
        const renamed = kind === 'queues' ? 'renamed.fifo' : 'renamed';
        const config = loadConfig({ [definition.nameVariable]: renamed });
        expect(
          (config.resources[kind] as Record<string, string>)[key],
          definition.nameVariable,
        ).toBe(renamed);
      }
    }
  });

  it('gives every resource a suffixed name of its own, keeping queues FIFO', () => {
    expect(loadConfig(suffixedResourceNames('ab12')).resources).toEqual({
      tables: { users: 'users-ab12', commands: 'commands-ab12' },
      queues: {
        command: 'user-commands-ab12.fifo',
        commandDeadLetter: 'user-commands-dlq-ab12.fifo',
      },
    });
  });
});
