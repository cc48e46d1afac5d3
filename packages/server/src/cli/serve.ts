import { Command } from 'commander';

export function serveCommand(): Command {
  return new Command('serve')
    .summary('start the HTTP server')
    .description('Start the HTTP server (what `npm start` runs): migrate, listen, and drain requests on SIGTERM/SIGINT')
    .addHelpText(
      'after',
      `
Settings come from the environment and ./.env; see docs/configuration.md.

Examples:
  $ gatehouse serve
  $ PORT=9000 DATABASE_URL=postgres://gatehouse:secret@db:5432/gatehouse gatehouse serve
`,
    )
    .action(async () => {
      // Loaded on demand so `gatehouse --help` and the short commands do not pay for Fastify and its plugins.
      const { main, exitOnStartupError } = await import('../main.js');
      await main().catch(exitOnStartupError);
    });
}
