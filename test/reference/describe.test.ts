import { describe, expect, it } from 'vitest';
import { describeReference, type ReferenceReport } from '../../src/reference/describe.js';

const digest = `sha256:${'b'.repeat(64)}`;
const invalid = (input: string, error: string): ReferenceReport => ({
  input,
  valid: false,
  error,
  domain: null,
  path: null,
  tag: null,
  digest: null,
  normalized: null,
  familiar: null,
});

describe('describeReference', () => {
  it.each<[string, ReferenceReport]>([
    [
      'alpine',
      {
        input: 'alpine',
        valid: true,
        error: null,
        domain: 'docker.io',
        path: 'library/alpine',
        tag: null,
        digest: null,
        normalized: 'docker.io/library/alpine',
        familiar: 'alpine',
      },
    ],
    [
      '127.0.0.1:5000/acme/worker:1.4',
      {
        input: '127.0.0.1:5000/acme/worker:1.4',
        valid: true,
        error: null,
        domain: '127.0.0.1:5000',
        path: 'acme/worker',
        tag: '1.4',
        digest: null,
        normalized: '127.0.0.1:5000/acme/worker:1.4',
        familiar: '127.0.0.1:5000/acme/worker:1.4',
      },
    ],
    [
      `acme/worker@${digest}`,
      {
        input: `acme/worker@${digest}`,
        valid: true,
        error: null,
        domain: 'docker.io',
        path: 'acme/worker',
        tag: null,
        digest,
        normalized: `docker.io/acme/worker@${digest}`,
        familiar: `acme/worker@${digest}`,
      },
    ],
    [
      `docker.io/library/busybox:1.36@${digest}`,
      {
        input: `docker.io/library/busybox:1.36@${digest}`,
        valid: true,
        error: null,
        domain: 'docker.io',
        path: 'library/busybox',
        tag: '1.36',
        digest,
        normalized: `docker.io/library/busybox:1.36@${digest}`,
        familiar: `busybox:1.36@${digest}`,
      },
    ],
    ['Bad Ref!', invalid('Bad Ref!', 'invalid reference format: repository name (library/Bad Ref!) must be lowercase')],
    ['bad ref!', invalid('bad ref!', 'invalid reference format')],
    ['', invalid('', 'invalid reference format')],
    [`alpine@sha256:${'b'.repeat(63)}`, invalid(`alpine@sha256:${'b'.repeat(63)}`, 'invalid checksum digest length')],
  ])('%j', (input, expected) => {
    expect(describeReference(input)).toEqual(expected);
  });

  it.each([
    [`alpine:${'t'.repeat(128)}`, null],
    [`alpine:${'t'.repeat(129)}`, 'invalid reference format'],
    [`acme/${'p'.repeat(250)}`, null], // path "acme/" + 250 = 255
    [`acme/${'p'.repeat(251)}`, 'repository name must not be more than 255 characters'],
    [`example.com/${'p'.repeat(255)}`, null],
    [`example.com/${'p'.repeat(256)}`, 'repository name must not be more than 255 characters'],
  ])('length limits: %s', (input, error) => {
    const report = describeReference(input);
    expect(report.valid).toBe(error === null);
    expect(report.error).toBe(error);
  });

  it('reports the path length that counts (official images include "library/")', () => {
    expect(describeReference('p'.repeat(247)).valid).toBe(true);
    expect(describeReference('p'.repeat(248)).error).toBe('repository name must not be more than 255 characters');
  });
});
