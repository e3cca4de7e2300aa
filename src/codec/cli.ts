import type { Command } from 'commander';
import { ConfigError, environmentHelp, loadCodecServerConfig } from '../config';
import { AesGcmPayloadCodec } from './aes-gcm-codec';
import { buildCodecServer } from './codec-server';
import { codecSessionKey } from './codec-session';

/** `hotdocs-temporal codec-server`: the remote codec endpoint for Temporal UI and the CLI. */
export function registerCodecServerCommand(program: Command): Command {
  return program
    .command('codec-server')
    .description(
      'Serve /codec/encode and /codec/decode so that Temporal UI can show encrypted lifecycle payloads. ' +
        'Configured by the environment (below).',
    )
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  $ PAYLOAD_ENCRYPTION_KEYS="k1:$(openssl rand -base64 32)" CODEC_ALLOW_UNAUTHENTICATED=true \\\n' +
        '      hotdocs-temporal codec-server\n' +
        environmentHelp('codec-server'),
    )
    .action(async () => {
      let config;
      try {
        config = loadCodecServerConfig(process.env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      const app = await buildCodecServer({
        codec: new AesGcmPayloadCodec(config.keys),
        tokenHashes: config.tokenHashes,
        allowUnauthenticated: config.allowUnauthenticated,
        corsOrigins: config.corsOrigins,
        // Temporal UI decodes after an operator signs in at /codec/login (docs/deploy.md).
        sessionKey: codecSessionKey(config.keys),
      });
      const address = await app.listen({ host: config.host, port: config.port });
      process.stdout.write(
        `codec endpoint ready: ${address}/codec (CORS: ${config.corsOrigins.join(', ')}; ` +
          `Temporal UI: sign in at ${address}/codec/login)\n`,
      );
      const stop = () => void app.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
