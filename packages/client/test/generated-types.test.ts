import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
// The generator is plain JavaScript that node runs directly (npm run generate); it has no type declarations.
import { generateTypes } from '../scripts/generate-types.mjs';

it('the committed API types are what the server’s OpenAPI document and error catalogue generate today', async () => {
  const committed = readFileSync(new URL('../src/generated/api-types.ts', import.meta.url), 'utf8');
  const generated: string = await generateTypes();
  // On failure: rebuild the server (npm run build) and run `npm run generate -w @gatehouse/client`.
  expect(generated).toBe(committed);
});
