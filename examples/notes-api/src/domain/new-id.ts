import { randomBytes } from 'node:crypto';

const MAX_COUNTER = 0xfff;
let lastMs = -1;
let counter = 0;

/**
 * A UUIDv7 (RFC 9562 §5.7), monotonic within this process (§6.2 method 1: the 12 bits after the version are a
 * counter, seeded at random each new millisecond). Keyset pages rely on ids sorting in creation order, also for rows
 * created within one millisecond (or under a frozen test clock).
 */
export function newId(nowMs: number): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = randomBytes(2).readUInt16BE() & 0x7ff; // half the range, so a busy millisecond rarely overflows
  } else if (++counter > MAX_COUNTER) {
    lastMs += 1; // borrowing the next millisecond keeps the order (§6.2)
    counter = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes.writeUInt16BE(0x7000 | counter, 6);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
