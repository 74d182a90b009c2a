import { describe, expect, it } from 'vitest';
import { resolveActor } from '../../src/config/paths.js';

describe('resolveActor', () => {
  it.each([
    ['ops', { CASCADE_ACTOR: 'cron' }, 'ops'],
    [undefined, { CASCADE_ACTOR: 'cron' }, 'cron'],
    [undefined, {}, 'root'],
    ['  ', { CASCADE_ACTOR: '' }, 'root'],
  ])('--actor %j with %j → %s', (flag, env, expected) => expect(resolveActor(flag, env, 'root')).toBe(expected));
});
