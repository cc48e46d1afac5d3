import type { KeyRing } from '../security/key-ring.js';
import type { PeriodicJob } from './periodic.js';

/**
 * Picks up keys added by `gatehouse keys rotate` or another instance, so this instance stops signing with a
 * retired key long before verifiers drop it (they keep it for one access-token lifetime).
 */
export function reloadSigningKeys(keyRing: KeyRing): PeriodicJob {
  return { name: 'reload-signing-keys', everyMs: 60_000, run: () => keyRing.reload() };
}
