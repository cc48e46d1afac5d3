import type { Clock } from '../../src/clock.js';

/** A clock that only moves when the test moves it. */
export class FrozenClock implements Clock {
  constructor(private current = Date.now()) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
