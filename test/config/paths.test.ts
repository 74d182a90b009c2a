import { describe, expect, it } from 'vitest';
import { resolveActor, resolveStorePath } from '../../src/config/paths.js';

describe('resolveStorePath', () => {
  it.each([
    ['/flag.db', { CASCADE_IMAGE_DB: '/env.db', XDG_DATA_HOME: '/xdg' }, '/flag.db'],
    [undefined, { CASCADE_IMAGE_DB: '/env.db', XDG_DATA_HOME: '/xdg' }, '/env.db'],
    [undefined, { XDG_DATA_HOME: '/xdg' }, '/xdg/cascade-image/cascade-image.db'],
    [undefined, { XDG_DATA_HOME: 'relative' }, '/home/u/.local/share/cascade-image/cascade-image.db'],
    [undefined, {}, '/home/u/.local/share/cascade-image/cascade-image.db'],
  ])('--db %s with %j → %s', (flag, env, expected) => expect(resolveStorePath(flag, env, '/home/u')).toBe(expected));
});

describe('resolveActor', () => {
  it.each([
    ['ops', { CASCADE_ACTOR: 'cron' }, 'ops'],
    [undefined, { CASCADE_ACTOR: 'cron' }, 'cron'],
    [undefined, {}, 'root'],
    ['  ', { CASCADE_ACTOR: '' }, 'root'],
  ])('--actor %j with %j → %s', (flag, env, expected) => expect(resolveActor(flag, env, 'root')).toBe(expected));
});
