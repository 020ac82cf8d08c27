// Starts one meizhen server for the whole browser suite and stops it afterwards.
//
// Builds nothing: it runs the binary that `cargo build -p meizhen` left in
// ../target/debug/meizhen (or MEIZHEN_BIN). A fresh temporary data folder is
// seeded with `meizhen demo --password Demo-2020-tz` (real Zhejiang regions +
// the 台州 demo accounts), then `meizhen serve` listens on a free loopback port.
//
// What the tests need is handed over in environment variables (Playwright's
// workers start after global setup and inherit them):
//   MEIZHEN_BASE_URL   http://127.0.0.1:PORT
//   MEIZHEN_ADMIN_OTP  the admin's one-time password, read from the CLI output
//   MEIZHEN_E2E_DATA   the data folder (logs: demo.log, serve.log)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const DEMO_PASSWORD = 'Demo-2020-tz';

const E2E_DIR = __dirname;

function serverEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // The suite owns its data: nothing from the caller's environment may point
  // the server at another database, config file or address.
  for (const k of Object.keys(env)) {
    if (k.startsWith('MEIZHEN_') && k !== 'MEIZHEN_LOG_JSON') delete env[k];
  }
  env.RUST_LOG = env.RUST_LOG || 'warn';
  env.NO_COLOR = '1';
  return env;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The password in a line like `已创建系统管理员 admin，一次性密码（…）：sT9zQ7xZ2zN9kJ`. */
export function oneTimePassword(output: string): string | undefined {
  const line = output.split(/\r?\n/).find((l) => l.includes('一次性密码'));
  if (!line) return undefined;
  const m = line.match(/[：:]\s*(\S+)\s*$/);
  return m ? m[1] : undefined;
}

async function waitHealthy(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`meizhen serve exited early (${child.exitCode ?? child.signalCode}):\n${log()}`);
    }
    try {
      const res = await fetch(url);
      const body = await res.text();
      if (res.ok && JSON.parse(body).status === 'ok') return;
      last = `${res.status} ${body}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`meizhen did not become healthy at ${url} within 30 s (last: ${last}):\n${log()}`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = path.resolve(E2E_DIR, process.env.MEIZHEN_BIN || '../target/debug/meizhen');
  if (!fs.existsSync(bin)) {
    throw new Error(`meizhen binary not found at ${bin}: run \`cargo build -p meizhen\` first (or set MEIZHEN_BIN)`);
  }
  fs.mkdirSync(path.join(E2E_DIR, 'screenshots'), { recursive: true });

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meizhen-e2e-'));
  const env = serverEnv();

  // The demo now includes a year of 暗访督查 with generated photos: minutes in a
  // debug build on 2 cores. MEIZHEN_E2E_DEMO_TIMEOUT_MS overrides the limit.
  const demo = spawnSync(bin, ['--data-dir', dataDir, 'demo', '--password', DEMO_PASSWORD], {
    env,
    encoding: 'utf8',
    timeout: Number(process.env.MEIZHEN_E2E_DEMO_TIMEOUT_MS || 900_000),
  });
  fs.writeFileSync(path.join(dataDir, 'demo.log'), `${demo.stdout ?? ''}\n--- stderr ---\n${demo.stderr ?? ''}`);
  if (demo.status !== 0) {
    throw new Error(`meizhen demo failed (${demo.status ?? demo.error}):\n${demo.stdout}\n${demo.stderr}`);
  }

  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const serveLog = path.join(dataDir, 'serve.log');
  let output = '';
  const child = spawn(bin, ['--data-dir', dataDir, 'serve', '--addr', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logStream = fs.createWriteStream(serveLog);
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString('utf8');
    logStream.write(d);
  });
  child.stderr!.on('data', (d: Buffer) => logStream.write(d));

  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', kill);

  try {
    await waitHealthy(`${baseURL}/healthz`, child, () => output + fs.readFileSync(serveLog, 'utf8'));
  } catch (e) {
    kill();
    throw e;
  }

  // The admin's one-time password is printed once: by `demo` when it creates the
  // admin, or by `serve` on a first start without one.
  const otp = oneTimePassword(demo.stdout) ?? oneTimePassword(output);
  if (!otp) {
    kill();
    throw new Error(`no line with 一次性密码 in the output of meizhen demo/serve:\n${demo.stdout}\n${output}`);
  }

  process.env.MEIZHEN_BASE_URL = baseURL;
  process.env.MEIZHEN_ADMIN_OTP = otp;
  process.env.MEIZHEN_E2E_DATA = dataDir;
  console.log(`meizhen e2e server: ${baseURL} (data ${dataDir})`);

  return async () => {
    process.off('exit', kill);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    logStream.end();
    if (process.env.MEIZHEN_E2E_KEEP) {
      console.log(`meizhen e2e data kept in ${dataDir}`);
    } else {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
}
