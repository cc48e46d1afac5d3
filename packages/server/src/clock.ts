/** Milliseconds since the epoch. Tests freeze and move it; nothing else in the code reads Date.now(). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
