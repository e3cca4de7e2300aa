import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian keeps the server programs of each major version under /usr/lib/postgresql/<major>/bin. */
export async function findPostgresBinDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const majors = (await readdir(root).catch(() => [] as string[]))
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  if (majors[0] === undefined) {
    throw new Error(
      `PostgreSQL was not found under ${root}: run tools/cluster/install.sh (it installs Debian's postgresql)`,
    );
  }
  return path.join(root, majors[0], 'bin');
}

export interface LocalPostgresOptions {
  /** An empty folder for the data directory, socket and log. */
  dir: string;
  port: number;
  /** The superuser Temporal connects as (compose: POSTGRES_USER). @default 'temporal' */
  user?: string;
  /**
   * More than the server processes ask for at most (each takes `maxConns` + visibility
   * `maxConns` of its configuration), so that a sizing figure is measured, not a limit hit.
   * @default 200
   */
  maxConnections?: number;
}

/**
 * A PostgreSQL server of its own for one test run: `initdb` and `pg_ctl` on a free port, bound to
 * the loopback, in a temporary folder. PostgreSQL refuses to run as root, so when the tests run as
 * root (CI) it runs as Debian's `postgres` user. Password authentication over TCP, as Temporal uses.
 */
export class LocalPostgres {
  readonly host = '127.0.0.1';
  readonly user: string;
  readonly password = randomBytes(18).toString('hex');
  readonly maxConnections: number;
  /** How many times the server was stopped and started again. */
  restarts = 0;
  private readonly dataDir: string;
  private readonly socketDir: string;
  private readonly logFile: string;
  private readonly asUser: string | undefined;

  private constructor(
    private readonly binDir: string,
    private readonly options: LocalPostgresOptions,
  ) {
    this.user = options.user ?? 'temporal';
    this.maxConnections = options.maxConnections ?? 200;
    this.dataDir = path.join(options.dir, 'data');
    this.socketDir = path.join(options.dir, 'socket');
    this.logFile = path.join(options.dir, 'postgresql.log');
    this.asUser = userInfo().uid === 0 ? 'postgres' : undefined;
  }

  get port(): number {
    return this.options.port;
  }

  static async start(options: LocalPostgresOptions): Promise<LocalPostgres> {
    const postgres = new LocalPostgres(await findPostgresBinDir(), options);
    await postgres.init();
    await postgres.startServer();
    return postgres;
  }

  /** `pg_ctl stop -m <mode>`: `fast` ends every session (an operator's restart), `immediate` is a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pgCtl(['stop', '-m', mode, '-w', '-t', '60']);
  }

  /** Stops the server, keeps it down for `downMs`, starts it again on the same data and port. */
  async restart(options: { downMs?: number; mode?: 'fast' | 'immediate' } = {}): Promise<{ downMs: number }> {
    const stoppedAt = Date.now();
    await this.stop(options.mode ?? 'fast');
    if ((options.downMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.downMs));
    await this.startServer();
    this.restarts += 1;
    return { downMs: Date.now() - stoppedAt };
  }

  /** The client sessions open right now, by database (Temporal's connection pools). */
  async connections(): Promise<Record<string, number>> {
    const rows = await this.query(
      "SELECT coalesce(datname, '-') || '=' || count(*) FROM pg_stat_activity " +
        "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY datname",
    );
    return Object.fromEntries(
      rows.map((row) => {
        const [name = '', count = '0'] = row.split('=');
        return [name, Number(count)];
      }),
    );
  }

  /** One SQL statement through psql over TCP, as the `temporal` user; one text column per row. */
  async query(sql: string, database = 'postgres'): Promise<string[]> {
    const { stdout } = await run(
      'psql',
      [
        '-X',
        '-A',
        '-t',
        '-h',
        this.host,
        '-p',
        String(this.port),
        '-U',
        this.user,
        '-d',
        database,
        '-c',
        sql,
      ],
      { env: { ...process.env, PGPASSWORD: this.password, PGCONNECT_TIMEOUT: '5' } },
    );
    return stdout.split('\n').filter((line) => line !== '');
  }

  private async init(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    await mkdir(this.socketDir, { recursive: true });
    const passwordFile = path.join(this.options.dir, 'initdb-password');
    await writeFile(passwordFile, `${this.password}\n`, { mode: 0o600 });
    if (this.asUser !== undefined) {
      const { uid, gid } = await this.userIds(this.asUser);
      for (const target of [this.options.dir, this.dataDir, this.socketDir, passwordFile])
        await chown(target, uid, gid);
      await chmod(this.options.dir, 0o755);
    }
    await this.runAs(path.join(this.binDir, 'initdb'), [
      '-D',
      this.dataDir,
      '-U',
      this.user,
      `--pwfile=${passwordFile}`,
      // Over TCP (Temporal, psql): password; on the private socket: the OS user.
      '--auth-host=scram-sha-256',
      '--auth-local=peer',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
  }

  private async startServer(): Promise<void> {
    const settings = [
      `-p ${this.port}`,
      `-h ${this.host}`,
      `-k ${this.socketDir}`,
      `-c max_connections=${this.maxConnections}`,
    ].join(' ');
    await this.pgCtl(['start', '-w', '-t', '60', '-l', this.logFile, '-o', settings]);
  }

  private async pgCtl(args: string[]): Promise<void> {
    await this.runAs(path.join(this.binDir, 'pg_ctl'), ['-D', this.dataDir, ...args]);
  }

  private async runAs(command: string, args: string[]): Promise<void> {
    const [file, argv] =
      this.asUser === undefined ? [command, args] : ['runuser', ['-u', this.asUser, '--', command, ...args]];
    try {
      await run(file, argv, { cwd: this.options.dir });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`${path.basename(command)} ${args[0] ?? ''} failed: ${`${stderr}\n${stdout}`.trim()}`, {
        cause: error,
      });
    }
  }

  private async userIds(name: string): Promise<{ uid: number; gid: number }> {
    const { stdout: uid } = await run('id', ['-u', name]);
    const { stdout: gid } = await run('id', ['-g', name]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  }
}
