// Starts a throw-away Touchstone demo server for one test file and tears it down.
//
//   const server = await startServer();   // in before()
//   server.baseURL                         // http://127.0.0.1:<port>
//   server.account('admin')                // { username, role, bureau, password, totp }
//   await server.stop();                   // in after(): SIGTERM, then remove the data dir
//
// The binary is target/debug/touchstone (relative to the repo root) unless the
// environment variable TOUCHSTONE_BIN names another one. Set E2E_SERVER_LOG=1 to
// echo the server's output to stderr while the tests run.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(E2E_DIR, '..', '..');

const HEALTH_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

// `account: <username> | <role> | <bureau name> | password: <password> | totp: <BASE32 or ->`
// Not anchored at the start, so a log prefix before "account:" does no harm.
const ACCOUNT_LINE =
  /account: (\S+) \| (.+?) \| (.+?) \| password: (\S+) \| totp: (\S+)\s*$/;

export function touchstoneBin() {
  const fromEnv = process.env.TOUCHSTONE_BIN;
  if (fromEnv) return isAbsolute(fromEnv) ? fromEnv : resolve(REPO_ROOT, fromEnv);
  return join(REPO_ROOT, 'target', 'debug', 'touchstone');
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** Parses every demo-account line in `text`; returns a Map username -> account. */
export function parseAccounts(text) {
  const accounts = new Map();
  for (const raw of text.split(/\r?\n/)) {
    // Drop ANSI colour codes in case the line is coloured.
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    const m = ACCOUNT_LINE.exec(line);
    if (!m) continue;
    const [, username, role, bureau, password, secret] = m;
    accounts.set(username, {
      username,
      role: role.trim(),
      bureau: bureau.trim(),
      password,
      totp: secret === '-' ? null : secret,
    });
  }
  return accounts;
}

// ---------------------------------------------------------------- TOTP (RFC 6238)

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 decoder; ignores case, spaces, hyphens and '=' padding. */
export function base32Decode(input) {
  const clean = String(input).toUpperCase().replace(/[\s=-]/g, '');
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const idx = BASE32_ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** HOTP (RFC 4226) with HMAC-SHA-1 and 6 digits. */
export function hotp(key, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary =
    ((mac[offset] & 0x7f) << 24) |
    (mac[offset + 1] << 16) |
    (mac[offset + 2] << 8) |
    mac[offset + 3];
  return String(binary % 1_000_000).padStart(6, '0');
}

/** TOTP (RFC 6238): SHA-1, 6 digits, 30 s step, T0 = 0. */
export function totp(secretBase32, timeSeconds = Date.now() / 1000) {
  return hotp(base32Decode(secretBase32), Math.floor(timeSeconds / 30));
}

export function totpStep(timeSeconds = Date.now() / 1000) {
  return Math.floor(timeSeconds / 30);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- server

const running = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test file dies without reaching after(): never leave a server behind.
  process.on('exit', () => {
    for (const s of running) {
      try { s.child.kill('SIGKILL'); } catch {}
      try { rmSync(s.dataDir, { recursive: true, force: true }); } catch {}
    }
  });
}

export async function startServer({ bin = touchstoneBin(), extraArgs = [] } = {}) {
  if (!existsSync(bin)) {
    throw new Error(
      `Touchstone binary not found at ${bin}; build it (cargo build) or set TOUCHSTONE_BIN`,
    );
  }
  installExitHook();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'touchstone-e2e-'));
  const bind = `127.0.0.1:${port}`;
  const baseURL = `http://${bind}`;
  const args = ['demo', '--bind', bind, '--data', dataDir, ...extraArgs];
  const echo = process.env.E2E_SERVER_LOG === '1';

  const child = spawn(bin, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  let stdout = '';
  let stderr = '';
  let exited = null;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => { stdout += d; if (echo) process.stderr.write(d); });
  child.stderr.on('data', (d) => { stderr += d; if (echo) process.stderr.write(d); });
  const exitPromise = new Promise((r) => {
    child.on('exit', (code, signal) => { exited = { code, signal }; r(exited); });
    child.on('error', (err) => { exited = { error: err }; r(exited); });
  });

  const server = {
    bin,
    args,
    port,
    baseURL,
    dataDir,
    child,
    accounts: new Map(),
    /** TOTP step last spent per username (the server refuses a step twice). */
    usedTotpSteps: new Map(),
    /** null while running, else { code, signal } or { error }. */
    get exitStatus() { return exited; },
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    account(username) {
      const a = this.accounts.get(username);
      if (!a) {
        throw new Error(
          `demo account ${username} not printed by the server; saw: ${[...this.accounts.keys()].join(', ') || '(none)'}`,
        );
      }
      return a;
    },
    /**
     * A TOTP code for `username` from a step that this test run has not spent yet
     * and that has at least 3 s left, waiting for the next step when needed.
     */
    async freshTotp(username) {
      const { totp: secret } = this.account(username);
      if (!secret) throw new Error(`demo account ${username} has no second factor`);
      for (;;) {
        const now = Date.now() / 1000;
        const step = totpStep(now);
        const left = (step + 1) * 30 - now;
        const last = this.usedTotpSteps.get(username) ?? -Infinity;
        if (step > last && left > 3) {
          this.usedTotpSteps.set(username, step);
          return totp(secret, now);
        }
        await sleep(Math.ceil(left * 1000) + 250);
      }
    },
    /** A 6-digit code that is wrong for the current step and its neighbours. */
    wrongTotp(username) {
      const { totp: secret } = this.account(username);
      const now = Date.now() / 1000;
      const near = new Set([-2, -1, 0, 1, 2].map((d) => totp(secret, now + d * 30)));
      for (let n = 123456; ; n = (n + 111111) % 1_000_000) {
        const code = String(n).padStart(6, '0');
        if (!near.has(code)) return code;
      }
    },
    async stop() {
      running.delete(this);
      if (!exited) {
        child.kill('SIGTERM');
        const t = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, STOP_TIMEOUT_MS);
        await exitPromise;
        clearTimeout(t);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  running.add(server);

  const describeOutput = () =>
    `\n--- command: ${bin} ${args.join(' ')}\n--- stdout (tail):\n${stdout.slice(-4000)}\n--- stderr (tail):\n${stderr.slice(-4000)}`;

  try {
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let healthy = false;
    while (Date.now() < deadline) {
      if (exited) {
        throw new Error(`server exited before it was healthy: ${JSON.stringify(exited)}${describeOutput()}`);
      }
      try {
        const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) { healthy = true; break; }
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    if (!healthy) {
      throw new Error(`GET /healthz did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s${describeOutput()}`);
    }
    // The accounts are normally printed before the listener is up; allow a little slack.
    const accountsDeadline = Date.now() + 10_000;
    for (;;) {
      server.accounts = parseAccounts(`${stdout}\n${stderr}`);
      if (server.accounts.size > 0 || Date.now() > accountsDeadline) break;
      await sleep(200);
    }
    if (server.accounts.size === 0) {
      throw new Error(`server printed no "account: ..." lines${describeOutput()}`);
    }
    // Give any late lines a moment, then parse once more.
    await sleep(100);
    server.accounts = parseAccounts(`${stdout}\n${stderr}`);
  } catch (err) {
    await server.stop().catch(() => {});
    throw err;
  }
  return server;
}
