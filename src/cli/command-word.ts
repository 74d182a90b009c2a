// Pure and import-free: the program builds only this command, and bin/ (through dist/boot.cjs,
// before the core is loaded) names the command's code cache after it.

/** Global options that take a value: the word after them is not the command. */
const VALUE_OPTIONS = new Set(['--db', '--actor', '--docker-host']);

/** The command word of an argv (the first word that is neither an option nor an option's value). */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i] ?? '';
    if (word === '--') return argv[i + 1];
    if (VALUE_OPTIONS.has(word)) i += 1;
    else if (!word.startsWith('-')) return word;
  }
  return undefined;
}
