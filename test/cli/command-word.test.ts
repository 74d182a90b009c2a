import { describe, expect, it } from 'vitest';
import { commandWord } from '../../src/cli/command-word.js';

describe('commandWord: which command a start builds', () => {
  it.each([
    [['show', 'acme'], 'show'],
    [['--db', 'show', 'list'], 'list'],
    [['--actor', 'set', '--docker-host', 'unix:///x', 'validate', '--all'], 'validate'],
    [['--db=/x.db', '-q', 'resolve', 'p'], 'resolve'],
    [['--no-color', '--', 'history'], 'history'],
    [['--help'], undefined],
    [['--version'], undefined],
    [[], undefined],
  ] as const)('%j → %s', (argv, word) => expect(commandWord(argv)).toBe(word));
});
