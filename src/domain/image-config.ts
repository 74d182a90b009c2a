/**
 * An image's configuration as `docker image inspect` reports it, in our own shape: what config
 * checks judge without running a container. The Docker adapter fills it (absent fields become
 * empty values, never undefined), so the judgement needs no knowledge of Docker's JSON.
 */
export interface ImageConfig {
  /** Config.User as written (`agent`, `1000:1000`); '' when the image sets none (root). */
  readonly user: string;
  /** [] when the image has none. */
  readonly entrypoint: readonly string[];
  /** [] when the image has none. */
  readonly cmd: readonly string[];
  /** `KEY=value` entries, in the image's order. */
  readonly env: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The size the engine reports for the image; null when it does not say. */
  readonly sizeBytes: number | null;
  readonly os: string | null;
  readonly architecture: string | null;
}
