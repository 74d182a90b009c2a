// Measuring helpers of the bench (test/bench/run.mjs, test/bench/startup-anatomy.mjs).
import { spawnSync } from 'node:child_process';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
export const r1 = (x) => Math.round(x * 10) / 10;
export const r2 = (x) => Math.round(x * 100) / 100;
export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))];
};
/** The spread of per-pair ratios: how far one interleaved pair can land from the median. */
export const spread = (ratios) => ({ min: r2(Math.min(...ratios)), p10: r2(pct(ratios, 10)), p90: r2(pct(ratios, 90)), max: r2(Math.max(...ratios)) });
export const spreadText = (s) => `p10–p90 ${s.p10}–${s.p90}×, min–max ${s.min}–${s.max}×`;

/** One timed synchronous run; stdout/stderr are captured (not shown). */
export function timed(cmd, argv, opts = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024, timeout: 600_000, ...opts });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

export function must(r, what) {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`);
  return r;
}
