import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Python `aws` CLI on PATH, or undefined. (It speaks the JSON protocol fauxqs needs.) */
export function findAwsCli(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v aws'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A folder holding an `awslocal` that stands in for LocalStack's: `aws --endpoint-url ...`,
 * with the endpoint chosen per service, since the emulators serve SQS and DynamoDB apart.
 */
export function createAwslocalStandIn(awsCli: string, endpoints: Record<string, string>): string {
  const bin = mkdtempSync(join(tmpdir(), 'awslocal-'));
  const cases = Object.entries(endpoints)
    .map(([service, endpoint]) => `  ${service}) endpoint='${endpoint}' ;;`)
    .join('\n');
  const script = `#!/bin/sh
case "$1" in
${cases}
  *) echo "awslocal stand-in: no emulator for $1" >&2; exit 2 ;;
esac
exec '${awsCli}' --endpoint-url "$endpoint" "$@"
`;
  writeFileSync(join(bin, 'awslocal'), script);
  chmodSync(join(bin, 'awslocal'), 0o755);
  return bin;
}

export interface ScriptResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a script with only the given environment on top of PATH and HOME: in particular no
 * AWS_* variable of ours, so the script must bring its own credentials and region.
 */
export function runScript(path: string, env: Record<string, string>): Promise<ScriptResult> {
  const base = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/',
    // Not even a profile on this machine may stand in for the script's own credentials.
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  };
  return new Promise((resolve) => {
    execFile(path, { env: { ...base, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ exitCode, stdout, stderr });
    });
  });
}
