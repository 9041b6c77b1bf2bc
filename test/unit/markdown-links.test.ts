import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

/** Every Markdown file of the project (tracked or new), not its dependencies'. */
function markdownFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file && existsSync(join(root, file)));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function anchorsIn(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] ?? '')));
}

/** Relative links of a file, outside code blocks: [text](target) and ![alt](target). */
function linksIn(file: string): string[] {
  const text = readFileSync(file, 'utf8')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? '')
    .filter((target) => !/^(https?:|mailto:)/.test(target));
}

describe('the Markdown documentation', () => {
  const files = markdownFiles();

  it('is found (README and docs at least)', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/command-lifecycle.md']));
  });

  it.each(files)('%s: every relative link and anchor resolves', (file) => {
    const broken: string[] = [];
    for (const target of linksIn(join(root, file))) {
      const [path = '', anchor] = target.split('#');
      const resolved = path ? join(root, dirname(file), decodeURI(path)) : join(root, file);
      if (!existsSync(resolved)) {
        broken.push(`${target}: no ${relative(root, resolved)}`);
        continue;
      }
      if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md')) {
        if (!anchorsIn(resolved).has(anchor)) broken.push(`${target}: no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('keeps the README a newcomer reads: under 300 lines, the rest in docs/ and bench/', () => {
    const lines = readFileSync(join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThan(300);
  });
});
