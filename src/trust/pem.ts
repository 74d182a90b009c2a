/**
 * The lines of a PEM file, read into blocks. What a block must hold is for the caller to judge:
 * this only finds BEGIN/END lines, the lines between them, and any text outside every block.
 */

export interface PemBlock {
  /** The word(s) in `-----BEGIN <label>-----`. */
  readonly label: string;
  /** The label of the END line, or undefined when the block never ends. */
  readonly endLabel: string | undefined;
  /** The lines between BEGIN and END, each with its 1-based line number in the file. */
  readonly body: readonly { readonly line: number; readonly text: string }[];
  /** The block alone, normalized: LF line ends, no trailing blanks, one trailing newline. */
  readonly text: string;
}

export interface PemFile {
  readonly blocks: readonly PemBlock[];
  /** The first non-blank line outside every block (1-based), if any. */
  readonly stray: number | undefined;
}

const BEGIN = /^-----BEGIN (.*)-----$/;
const END = /^-----END (.*)-----$/;

export function readPem(input: string): PemFile {
  // Normalizing first: CRLF and CR line ends, and blanks at line ends, mean nothing in PEM.
  const lines = input.split(/\r\n|\r|\n/).map((line) => line.replace(/[ \t]+$/, ''));
  const blocks: PemBlock[] = [];
  let stray: number | undefined;
  let open: { label: string; start: number; body: { line: number; text: string }[] } | undefined;
  const close = (endLabel: string | undefined, last: number) => {
    if (open === undefined) return;
    blocks.push({ label: open.label, endLabel, body: open.body, text: `${lines.slice(open.start, last + 1).join('\n')}\n` });
    open = undefined;
  };
  lines.forEach((line, index) => {
    const begin = BEGIN.exec(line);
    const end = END.exec(line);
    if (begin !== null) {
      close(undefined, index - 1);
      open = { label: begin[1] ?? '', start: index, body: [] };
    } else if (open !== undefined && end !== null) {
      close(end[1] ?? '', index);
    } else if (open !== undefined) {
      open.body.push({ line: index + 1, text: line });
    } else if (line !== '' && stray === undefined) {
      stray = index + 1;
    }
  });
  close(undefined, lines.length - 1);
  return { blocks, stray };
}

/** The bytes of a block's body, or the first line that is not strict base64. */
export function decodeBody(block: PemBlock): { readonly der: Buffer } | { readonly badLine: number | undefined } {
  const bad = block.body.find((entry) => !/^[A-Za-z0-9+/]+={0,2}$/.test(entry.text));
  if (bad !== undefined) return { badLine: bad.line };
  const base64 = block.body.map((entry) => entry.text).join('');
  const der = Buffer.from(base64, 'base64');
  // Buffer.from ignores what it cannot read (padding inside, a short last group): re-encoding tells.
  if (base64.length === 0 || der.toString('base64') !== base64) return { badLine: undefined };
  return { der };
}
