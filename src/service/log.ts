// The one root logger (STYLE §8): JSON on a non-TTY (pods), readable text otherwise;
// stderr only (stdout belongs to program output); secret-looking fields redacted.
import winston from 'winston';

const SECRET_KEYS = /secret|token|privatekey|password/i;

const redact = winston.format((info) => {
  for (const k of Object.keys(info)) if (SECRET_KEYS.test(k)) (info as Record<string, unknown>)[k] = '[redacted]';
  return info;
});

export type LogFormat = 'json' | 'text';

export function createLogger(opts: { level?: string; format?: LogFormat } = {}): winston.Logger {
  const format = opts.format ?? (process.stderr.isTTY ? 'text' : 'json');
  return winston.createLogger({
    level: opts.level ?? 'info',
    levels: { error: 0, warn: 1, info: 2, debug: 3 },
    format:
      format === 'json'
        ? winston.format.combine(redact(), winston.format.timestamp(), winston.format.json())
        : winston.format.combine(
            redact(),
            winston.format.timestamp(),
            winston.format.printf(({ timestamp, level, message, component, ...rest }) => {
              const fields = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
              return `${timestamp as string} ${level}${component ? ` [${component as string}]` : ''} ${message as string}${fields}`;
            }),
          ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
