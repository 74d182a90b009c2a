import { describe, expect, it } from 'vitest';
import { checkProjectId } from '../../src/lifecycle/project-id.js';

describe('checkProjectId', () => {
  it.each(['acme', 'Acme-2', 'team.web_app', '9lives', 'a'.repeat(128)])('accepts %s', (id) => {
    expect(checkProjectId(id)).toBe(id);
  });

  it.each(['', '-acme', '.hidden', 'a b', 'acme;rm -rf /', '$(touch x)', 'ü', 'a'.repeat(129), 'acme\n'])('refuses %j with exit 2', (id) => {
    expect(() => checkProjectId(id)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('invalid project id') }));
  });
});
