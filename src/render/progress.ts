import type { LifecycleEvent, LifecycleListener } from '../domain/index.js';
import { subjectName } from '../domain/index.js';
import type { Output } from './output.js';

/**
 * Live progress for a person at a terminal (stderr only): a pull bar over all layers' bytes
 * (cli-progress) and a spinner while the smoke-test runs (ora). Loaded only when interactive;
 * in CI, non-TTY, --json or --quiet nothing here runs and only lifecycle lines are printed.
 */
export async function progressDisplay(output: Output): Promise<{ listener: LifecycleListener; stop: () => void } | undefined> {
  const terminal = output.terminal;
  if (terminal === undefined) return undefined;
  const [{ default: cliProgress }, { default: ora }] = await Promise.all([import('cli-progress'), import('ora')]);
  const layers = new Map<string, { current: number; total: number }>();
  let bar: InstanceType<typeof cliProgress.SingleBar> | undefined;
  let spinner: ReturnType<typeof ora> | undefined;
  const c = output.color;

  const stop = () => {
    bar?.stop();
    bar = undefined;
    spinner?.stop();
    spinner = undefined;
    layers.clear();
  };

  const totals = () => {
    let current = 0;
    let total = 0;
    for (const layer of layers.values()) {
      current += Math.min(layer.current, layer.total);
      total += layer.total;
    }
    return { current, total };
  };

  const listener = (event: LifecycleEvent) => {
    const name = subjectName(event.subject);
    switch (event.type) {
      case 'pulling':
        stop();
        bar = new cliProgress.SingleBar(
          {
            stream: terminal,
            format: `${name}: pulling {bar} {percentage}% | {layers} layers | {done}/{size}`,
            hideCursor: true,
            clearOnComplete: true,
            barsize: 24,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(1, 0, { layers: 0, done: '0 B', size: '?' });
        return;
      case 'pull-progress': {
        const { layer, phase, current, total } = event.progress;
        if (layer === undefined || bar === undefined) return;
        const known = layers.get(layer) ?? { current: 0, total: 0 };
        if (total !== undefined && total > 0) known.total = total;
        if (current !== undefined && phase === 'downloading') known.current = current;
        if (phase === 'done') known.current = known.total;
        layers.set(layer, known);
        const sum = totals();
        bar.setTotal(Math.max(sum.total, 1));
        bar.update(sum.current, { layers: layers.size, done: bytes(sum.current), size: bytes(sum.total) });
        return;
      }
      case 'testing':
        stop();
        spinner = ora({ stream: terminal, text: c.dim(`${name}: smoke-test running in a one-shot container`) }).start();
        return;
      case 'finished':
        stop();
        return;
      default:
        return;
    }
  };
  return { listener, stop };
}

function bytes(value: number): string {
  if (value < 1024) return `${value} B`;
  if (value < 1024 ** 2) return `${(value / 1024).toFixed(1)} KiB`;
  if (value < 1024 ** 3) return `${(value / 1024 ** 2).toFixed(1)} MiB`;
  return `${(value / 1024 ** 3).toFixed(2)} GiB`;
}
