import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string; dockerfile?: string; args?: Record<string, string> };
  profiles?: string[];
  environment?: Record<string, string | number | null>;
  ports?: string[];
  volumes?: string[];
  networks?: Record<string, { aliases?: string[] } | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
  container_name?: string;
  deploy?: unknown;
  privileged?: boolean;
  tty?: boolean;
  restart?: string;
  command?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** docker-compose.yml as compose sees it: YAML merge keys (`<<`) resolved. */
export function readCompose(path: string): ComposeFile {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
}

export function serviceOf(compose: ComposeFile, name: string): ComposeService {
  const service = compose.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
  return service;
}

/**
 * The services `docker compose --profile …` runs, by Compose's rule: a service without
 * profiles always, one with profiles when any of them is active.
 */
export function enabledServices(compose: ComposeFile, activeProfiles: string[]): string[] {
  return Object.entries(compose.services)
    .filter(([, service]) => {
      const profiles = service.profiles ?? [];
      return profiles.length === 0 || profiles.some((profile) => activeProfiles.includes(profile));
    })
    .map(([name]) => name)
    .sort();
}

/** The names a service answers to on the default network: its own and its aliases. */
export function hostNamesOf(compose: ComposeFile, name: string): string[] {
  return [name, ...(serviceOf(compose, name).networks?.default?.aliases ?? [])];
}

/**
 * Compose's variable substitution (`${NAME}`, `${NAME:-default}`, `$$`) against the given
 * shell environment, so tests see the values a plain `docker compose up` produces.
 */
export function interpolate(value: string, shell: Record<string, string> = {}): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const set = name ? shell[name] : undefined;
      return set !== undefined && set !== '' ? set : (fallback ?? '');
    },
  );
}

/** A service's environment after substitution; keys without a value are passed through. */
export function environmentOf(
  service: ComposeService,
  shell: Record<string, string> = {},
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).flatMap(([key, value]) => {
      if (value === null) return shell[key] === undefined ? [] : [[key, shell[key]]];
      return [[key, interpolate(String(value), shell)]];
    }),
  );
}

export interface PortMapping {
  hostIp: string | undefined;
  hostPort: number;
  containerPort: number;
}

/** Short-syntax port strings such as "127.0.0.1:4566:4566". */
export function portsOf(service: ComposeService): PortMapping[] {
  return (service.ports ?? []).map((spec) => {
    const parts = String(spec).split(':');
    const containerPort = Number(parts.at(-1));
    const hostPort = Number(parts.at(-2));
    return { hostIp: parts.length === 3 ? parts[0] : undefined, hostPort, containerPort };
  });
}

export interface VolumeMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export function volumesOf(service: ComposeService): VolumeMount[] {
  return (service.volumes ?? []).map((spec) => {
    const [source = '', target = '', mode = ''] = spec.split(':');
    return { source, target, readOnly: mode.split(',').includes('ro') };
  });
}
