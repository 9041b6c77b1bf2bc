import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface NamedImport {
  from: string;
  names: string[];
}

export interface SourceGraph {
  /** Every file of ours the entry point loads, repo-relative, the entry included. */
  files: string[];
  /** Data files and folders loaded by path at run time (`new URL('…', import.meta.url)`). */
  assets: string[];
  /** Packages imported by those files. */
  packages: string[];
  /** Value (not type-only) imports of AWS SDK packages, from our files and the packages. */
  awsSdkImports: NamedImport[];
}

const STATIC_IMPORT = /(?:import|export)\s+(type\s+)?([\w*\s{},$]*?)\s*from\s*['"]([^'"]+)['"]/g;
const BARE_IMPORT = /(?:import\s*|import\(\s*)['"]([^'"]+)['"]/g;
const ASSET = /new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g;

/** Reads import statements with regexes: enough for our own ESM sources and built packages. */
function importsOf(text: string): { specifier: string; names: string[] }[] {
  const found: { specifier: string; names: string[] }[] = [];
  for (const [, typeOnly, clause = '', specifier = ''] of text.matchAll(STATIC_IMPORT)) {
    const names = typeOnly
      ? []
      : (clause.match(/\{([^}]*)\}/)?.[1] ?? '')
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== '' && !name.startsWith('type '))
          .map((name) => name.split(/\s+as\s+/)[0] ?? name);
    found.push({ specifier, names });
  }
  for (const [, specifier = ''] of text.matchAll(BARE_IMPORT)) found.push({ specifier, names: [] });
  return found;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** All files a process loads from its entry point, following relative imports. */
export function readSourceGraph(root: string, entry: string): SourceGraph {
  const files = new Set<string>();
  const assets = new Set<string>();
  const packages = new Set<string>();
  const awsSdkImports: NamedImport[] = [];
  const pending = [resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    const path = relative(root, file);
    if (files.has(path)) continue;
    if (!existsSync(file)) throw new Error(`${path} is imported but does not exist`);
    files.add(path);
    if (!/\.[cm]?[jt]s$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const [, asset = ''] of text.matchAll(ASSET)) {
      const target = resolve(dirname(file), asset);
      // Code loaded by path (a worker thread's module) is part of the graph; the rest is data.
      if (/\.[cm]?[jt]s$/.test(asset)) pending.push(target);
      else assets.add(relative(root, target));
    }
    for (const { specifier, names } of importsOf(text)) {
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) {
        packages.add(packageName(specifier));
        if (specifier.startsWith('@aws-sdk/')) awsSdkImports.push({ from: specifier, names });
      }
    }
  }
  for (const name of packages) awsSdkImports.push(...awsSdkImportsOfPackage(root, name));
  return {
    files: [...files].sort(),
    assets: [...assets].sort(),
    packages: [...packages].sort(),
    awsSdkImports,
  };
}

/**
 * AWS SDK calls a package makes on our behalf (sqs-consumer's ReceiveMessage, ...): the
 * SDK imports of its built files, for packages that depend on the SDK themselves.
 */
function awsSdkImportsOfPackage(root: string, name: string): NamedImport[] {
  if (name.startsWith('@aws-sdk/')) return [];
  const dir = join(root, 'node_modules', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const dependencies = { ...manifest.dependencies, ...manifest.peerDependencies };
  if (!Object.keys(dependencies).some((dependency) => dependency.startsWith('@aws-sdk/'))) {
    return [];
  }
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.[cm]?js$/.test(file) && !file.includes('node_modules'))
    .flatMap((file) => importsOf(readFileSync(join(dir, file), 'utf8')))
    .filter(({ specifier }) => specifier.startsWith('@aws-sdk/'))
    .map(({ specifier, names }) => ({ from: specifier, names }));
}
