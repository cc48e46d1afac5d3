import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

// Configuration → app → listen; closes cleanly on SIGINT/SIGTERM. No logic lives here.
try {
  const config = loadConfig();
  const app = await buildApp(config, { logLevel: config.logLevel });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}
