/**
 * Collects a container's attach stream (Docker's 8-byte-header multiplexed framing for non-TTY
 * containers), keeping at most `limit` bytes of payload while draining the rest, so a flood of
 * output costs time, never memory.
 */
export class CappedOutput {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private pending: Buffer = Buffer.alloc(0);
  private frameRemaining = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.frameRemaining === 0) {
        if (data.length < 8) {
          this.pending = Buffer.from(data);
          return;
        }
        this.frameRemaining = data.readUInt32BE(4);
        data = data.subarray(8);
        continue;
      }
      const take = Math.min(this.frameRemaining, data.length);
      this.keep(data.subarray(0, take));
      this.frameRemaining -= take;
      data = data.subarray(take);
    }
  }

  text(): string {
    return Buffer.concat(this.kept).toString('utf8');
  }

  private keep(payload: Buffer): void {
    const room = this.limit - this.keptBytes;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const slice = payload.length > room ? payload.subarray(0, room) : payload;
    if (slice.length < payload.length) this.truncated = true;
    this.kept.push(Buffer.from(slice));
    this.keptBytes += slice.length;
  }
}
