import { describe, expect, it } from 'vitest';
import { familiarName, familiarString, referenceString, repositoryName } from '../../src/reference/format.js';
import type { ImageReference } from '../../src/reference/types.js';

const digest = `sha256:${'d'.repeat(64)}`;

describe('rendering', () => {
  it.each<[ImageReference, string, string, string, string]>([
    // ref, repositoryName, referenceString, familiarName, familiarString
    [{ domain: 'docker.io', path: 'library/a' }, 'docker.io/library/a', 'docker.io/library/a', 'a', 'a'],
    [{ domain: 'docker.io', path: 'library/a/b', tag: 't' }, 'docker.io/library/a/b', 'docker.io/library/a/b:t', 'library/a/b', 'library/a/b:t'],
    [{ domain: 'docker.io', path: 'acme/a', digest }, 'docker.io/acme/a', `docker.io/acme/a@${digest}`, 'acme/a', `acme/a@${digest}`],
    [{ domain: '', path: 'foo_bar.com/x', tag: '1' }, 'foo_bar.com/x', 'foo_bar.com/x:1', 'foo_bar.com/x', 'foo_bar.com/x:1'],
    [{ domain: 'docker.io:443', path: 'library/a' }, 'docker.io:443/library/a', 'docker.io:443/library/a', 'docker.io:443/library/a', 'docker.io:443/library/a'],
    [{ domain: 'r.io', path: 'a', tag: 't', digest }, 'r.io/a', `r.io/a:t@${digest}`, 'r.io/a', `r.io/a:t@${digest}`],
  ])('%j', (ref, name, full, famName, famString) => {
    expect(repositoryName(ref)).toBe(name);
    expect(referenceString(ref)).toBe(full);
    expect(familiarName(ref)).toBe(famName);
    expect(familiarString(ref)).toBe(famString);
  });

  it('renders a digest-only reference as its digest', () => {
    expect(referenceString({ digest })).toBe(digest);
    expect(familiarString({ digest })).toBe(digest);
  });
});
