import { parseArgs } from 'node:util';

/** A problem with how tollgate was started: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface CliOptions {
  help: boolean;
  version: boolean;
  config: string | undefined;
  port: number;
  host: string;
  numWorkers: number;
  /** From --detailed_debug / --debug or TOLLGATE_LOG_LEVEL; undefined: the config's settings.log_level, else info. */
  logLevel: string | undefined;
  /** --keepalive_timeout (seconds), LiteLLM's name for the keep-alive idle timeout. */
  keepaliveTimeout: number | undefined;
}

export const HELP = `Usage: tollgate [start] [options]

Starts the Tollgate gateway (an OpenAI- and Anthropic-compatible API in front of many providers).
LiteLLM's start command works as it is: tollgate --config config.yaml --port 4000

Options:
  -c, --config FILE        Config file: YAML, JSON, JS or TS; a LiteLLM config.yaml works.
                           Default: the first tollgate.config.*, .tollgaterc* or config.yaml (with a
                           model_list) found from the working directory up to the repository root.
  -p, --port N             Port (default 4000). Env: PORT
      --host H             Interface to bind (default 127.0.0.1; 0.0.0.0 or :: for every interface). Env: HOST
      --num_workers N      Worker processes serving one port (default 1). Each keeps its own memory:
                           keys, limits and caches are shared only through Redis/PostgreSQL. Env: NUM_WORKERS
      --detailed_debug     Log at debug level (LiteLLM's flag; --debug too). Env: DETAILED_DEBUG=true
      --keepalive_timeout S  Idle keep-alive timeout in seconds (settings.keepalive_timeout, default 5)
  -v, --version            Print the version
  -h, --help               Print this help

Environment:
  TOLLGATE_LOG_LEVEL       fatal, error, warn, info (default), debug, trace or silent
  TOLLGATE_LOG_FORMAT      pretty or json (default: pretty when stdout is a terminal, else json)
  TOLLGATE_MASTER_KEY, LITELLM_MASTER_KEY   settings.master_key when the config sets none
  DATABASE_URL             settings.database_url when the config sets none
  REDIS_URL, or REDIS_HOST, REDIS_PORT, REDIS_PASSWORD   settings.redis_url when the config sets none
  os.environ/NAME and \${NAME} in the config read any other variable.

Docs: the README of @tollgate/server (node_modules/@tollgate/server/README.md).
`;

/** LiteLLM proxy flags (litellm/proxy/proxy_cli.py) that have no meaning here: named in the error. */
const LITELLM_ONLY = new Set([
  'api_base', 'api_version', 'model', 'alias', 'add_key', 'headers', 'save', 'use_queue', 'temperature', 'max_tokens', 'request_timeout',
  'drop_params', 'add_function_to_prompt', 'max_budget', 'telemetry', 'log_config', 'setup', 'health', 'test', 'test_async',
  'iam_token_db_auth', 'azure_postgresql_auth', 'num_requests', 'run_gunicorn', 'run_hypercorn', 'run_granian', 'granian_threads',
  'ssl_keyfile_path', 'ssl_certfile_path', 'ciphers', 'use_prisma_db_push', 'local', 'skip_server_startup', 'validate_config',
  'timeout_worker_healthcheck', 'max_requests_before_restart', 'max_requests_before_restart_jitter', 'limit_concurrency',
  'enforce_prisma_migration_check', 'use_v2_migration_resolver', 'use_legacy_migration_resolver', 'reload', 'prometheus_metrics_port',
]);

const HINTS: Readonly<Record<string, string>> = {
  drop_params: 'set settings.drop_params (or litellm_settings.drop_params) in the config',
  request_timeout: 'set litellm_settings.request_timeout or router_settings.timeout in the config',
  model: 'list models under model_list in a config file',
  run_gunicorn: 'use --num_workers N',
  run_hypercorn: 'use --num_workers N',
  run_granian: 'use --num_workers N',
  limit_concurrency: 'see settings.max_connections_per_client',
};

function integer(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return n;
}

const truthy = (v: string | undefined): boolean => !!v && /^(1|true|yes|on)$/i.test(v);

/** Read argv and the environment; anything wrong is a UsageError with a one-line message. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        num_workers: { type: 'string' },
        'num-workers': { type: 'string' },
        detailed_debug: { type: 'boolean' },
        debug: { type: 'boolean' },
        keepalive_timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    const flag = /--?[A-Za-z0-9_-]+/.exec((err as Error).message)?.[0] ?? '';
    const name = flag.replace(/^-+/, '').split('=')[0];
    if (LITELLM_ONLY.has(name)) throw new UsageError(`--${name} is a LiteLLM option Tollgate does not have${HINTS[name] ? `: ${HINTS[name]}` : ''} (see tollgate --help)`);
    if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${flag || 'an option'} needs a value (see tollgate --help)`);
    throw new UsageError(`unknown option ${flag || argv.join(' ')} (see tollgate --help)`);
  }
  const { values: v, positionals } = parsed;
  if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== 'start')) {
    throw new UsageError(`unknown command "${positionals.join(' ')}": the only command is start, and it may be left out (see tollgate --help)`);
  }
  const logLevel = v.detailed_debug || v.debug || truthy(env.DETAILED_DEBUG) ? 'debug' : env.TOLLGATE_LOG_LEVEL || undefined;
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`TOLLGATE_LOG_LEVEL=${logLevel} is not a log level: use one of ${LOG_LEVELS.join(', ')}`);
  }
  const keepalive = v.keepalive_timeout === undefined ? undefined : Number(v.keepalive_timeout);
  if (keepalive !== undefined && !(keepalive > 0)) throw new UsageError(`--keepalive_timeout must be a number of seconds > 0, not "${v.keepalive_timeout}"`);
  return {
    help: !!v.help,
    version: !!v.version,
    config: v.config,
    port: integer(v.port !== undefined ? '--port' : 'PORT', v.port ?? env.PORT, 0, 65535) ?? 4000,
    host: v.host ?? env.HOST ?? '127.0.0.1',
    numWorkers: integer(v.num_workers ?? v['num-workers'] ? '--num_workers' : 'NUM_WORKERS', v.num_workers ?? v['num-workers'] ?? env.NUM_WORKERS, 1, 256) ?? 1,
    logLevel,
    keepaliveTimeout: keepalive,
  };
}
