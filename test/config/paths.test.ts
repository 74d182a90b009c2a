import { describe, expect, it } from 'vitest';
import { resolveActor } from '../../src/config/paths.js';

describe('resolveActor', () => {
  it.each([
    ['ops', { CASCADE_ACTOR: 'cron' }, 'ops'],
    [undefined, { CASCADE_ACTOR: 'cron' }, 'cron'],
    [undefined, {}, 'root'],
    ['  ', { CASCADE_ACTOR: '' }, 'root'],
  ])('--actor %j with %j → %s', (flag, env, expected) => expect(resolveActor(flag, env, { username: 'root' })).toBe(expected));

  it('asks the OS for its user only when no actor is named', () => {
    const unasked = {
      get username(): string {
        throw new Error('the OS user was looked up');
      },
    };
    expect(resolveActor('ops', {}, unasked)).toBe('ops');
    expect(resolveActor(undefined, { CASCADE_ACTOR: 'cron' }, unasked)).toBe('cron');
    expect(resolveActor(undefined, {}, { username: '' })).toBe('unknown');
  });
});
