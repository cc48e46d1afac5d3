import { Command } from 'commander';
import { withContext } from './context.js';

export function keysRotateCommand(): Command {
  return new Command('rotate')
    .summary('add a signing key; existing tokens stay valid')
    .description('Create a new token signing key; the previous keys stop signing but keep verifying the tokens they signed')
    .addHelpText(
      'after',
      `
Nobody is logged out: tokens signed by a previous key stay valid until they
expire (ACCESS_TOKEN_EXPIRE_MINUTES), and the JWKS lists both keys meanwhile.
Running servers switch to the new key within a minute, without a restart.
Run it with the same AUTH_SECRET_KEY as the server: it seals the new private key.

Example:
  $ gatehouse keys rotate
`,
    )
    .action(async () => {
      const { rotateSigningKey } = await import('../domain/tokens/signing-keys.js');
      await withContext(async (ctx) => {
        const kid = await rotateSigningKey(ctx);
        const minutes = ctx.config.accessTokenTtlSeconds / 60;
        console.log(`New signing key: ${kid}`);
        console.log(`Existing tokens stay valid: previous keys keep verifying them until they expire (at most ${minutes} minutes).`);
        console.log('Running servers pick the new key up on their own within a minute; no restart is needed.');
      });
    });
}
