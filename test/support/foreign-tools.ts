import { spawnSync } from 'node:child_process';

/**
 * The AWS CLI and boto3 on this machine, and whether they speak SQS's JSON protocol, the only
 * one fauxqs speaks. AWS moved its SDKs' SQS model from query to JSON twice for a few weeks in
 * 2023 and for good in April 2024; the releases below are where the SQS model of each tag says
 * `"protocol":"json"` (aws/aws-cli's awscli/botocore/data/sqs/2012-11-05/service-2.json for the
 * CLI v2, boto/botocore's botocore/data/sqs/2012-11-05/service-2.json for botocore, which the
 * CLI v1 and boto3 use).
 */
export interface SqsTool {
  /** What runs it: an `aws` executable, or a python3 that imports boto3. */
  command: string;
  /** As the tool reports it, e.g. `aws-cli/2.9.19 …` or `botocore 1.29.27`. */
  version: string;
  speaksJson: boolean;
  /** The first release that speaks JSON for good. */
  jsonFrom: string;
}

/** [from, to) release ranges whose SQS model is JSON; `to` undefined: every later one too. */
type Ranges = [string, string | undefined][];
const AWS_CLI_V2_JSON: Ranges = [
  ['2.13.34', '2.13.39'],
  ['2.15.41', undefined],
];
const BOTOCORE_JSON: Ranges = [
  ['1.29.127', '1.29.128'],
  ['1.31.81', '1.32.6'],
  ['1.34.90', undefined],
];

/** The first of `aws` on PATH and Debian's /usr/bin/aws that runs. */
export function findAwsCli(): SqsTool | undefined {
  for (const command of ['aws', '/usr/bin/aws']) {
    const run = spawnSync(command, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    // AWS CLI v1 printed its version on stderr until 2019.
    const version = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
    const cli = /aws-cli\/(\d+\.\d+\.\d+)/.exec(version)?.[1];
    if (run.status !== 0 || !cli) continue;
    if (cli.startsWith('1.')) {
      const botocore = /botocore\/(\d+\.\d+\.\d+)/.exec(version)?.[1] ?? '0.0.0';
      return { command, version, speaksJson: within(botocore, BOTOCORE_JSON), jsonFrom: '1.32.90' };
    }
    return { command, version, speaksJson: within(cli, AWS_CLI_V2_JSON), jsonFrom: '2.15.41' };
  }
  return undefined;
}

/** The first of `python3` on PATH and Debian's /usr/bin/python3 that imports boto3. */
export function findBoto3(): SqsTool | undefined {
  const probe =
    'import boto3, botocore, botocore.session; ' +
    "print(boto3.__version__, botocore.__version__, botocore.session.get_session().get_service_model('sqs').protocol)";
  for (const command of ['python3', '/usr/bin/python3']) {
    const run = spawnSync(command, ['-c', probe], { encoding: 'utf8', timeout: 30_000 });
    const [boto3, botocore, protocol] = (run.stdout ?? '').trim().split(' ');
    if (run.status !== 0 || !protocol) continue;
    return {
      command,
      version: `boto3 ${boto3} (botocore ${botocore})`,
      // botocore says which protocol its SQS model uses: no need for the table here.
      speaksJson: protocol === 'json',
      jsonFrom: 'botocore 1.34.90',
    };
  }
  return undefined;
}

function within(version: string, ranges: Ranges): boolean {
  return ranges.some(
    ([from, to]) => compare(version, from) >= 0 && (to === undefined || compare(version, to) < 0),
  );
}

function compare(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i += 1) {
    const difference = (x?.[i] ?? 0) - (y?.[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
