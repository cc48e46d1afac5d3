import type { ImportCounts } from '../domain/import/import-users.js';

const BAR = 24;
const PLAIN_EVERY_MS = 5000;
const TTY_EVERY_MS = 200;

const number = (value: number) => Math.round(value).toLocaleString('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const hours = Math.floor(s / 3600);
  const rest = `${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return hours > 0 ? `${hours}:${rest}` : rest;
}

/**
 * Progress of an import on stderr: a bar with rows/s and ETA (from bytes read of the file's size) redrawn in place
 * on a terminal, a plain line every few seconds otherwise (logs, CI). stdout keeps only the summary.
 */
export class ImportProgress {
  private readonly started = performance.now();
  private last = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly totalBytes: number,
    private readonly bytesRead: () => number,
  ) {}

  update(counts: Readonly<ImportCounts>): void {
    const now = performance.now();
    if (now - this.last < (this.stream.isTTY ? TTY_EVERY_MS : PLAIN_EVERY_MS)) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = counts.read / Math.max(seconds, 0.001);
    const fraction = this.totalBytes > 0 ? Math.min(1, this.bytesRead() / this.totalBytes) : 0;
    const eta = fraction > 0 ? (seconds * (1 - fraction)) / fraction : Number.NaN;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    if (this.stream.isTTY) {
      const filled = Math.round(fraction * BAR);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}]`;
      this.stream.write(`\r\x1b[2K${bar} ${percent}  ${number(counts.read)} rows  ${number(rate)} rows/s  ETA ${duration(eta)}`);
      this.drawn = true;
    } else {
      this.stream.write(`progress: ${number(counts.read)} rows read (${percent.trim()}), ${number(rate)} rows/s, ETA ${duration(eta)}\n`);
    }
  }

  /** Clears the bar so the summary starts on a clean line. */
  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}
