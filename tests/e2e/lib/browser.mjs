// Browser helpers shared by the journeys: Debian's chromium through playwright-core,
// the two viewports, failure screenshots, and the sign-in steps of the UI contract.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { E2E_DIR, startServer } from './server.mjs';

export const RESULTS_DIR = join(E2E_DIR, 'test-results');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Per-action timeout; debug builds hash passwords slowly, so be generous. */
export const ACTION_TIMEOUT_MS = 30_000;
/** Per-test timeout for node:test. */
export const TEST_TIMEOUT_MS = 150_000;
/** Timeout for before() hooks (server start, browser launch, admin look-ups). */
export const HOOK_TIMEOUT_MS = 180_000;

const ALL_VIEWPORTS = [
  {
    name: 'desktop',
    isMobile: false,
    options: { viewport: { width: 1366, height: 900 } },
  },
  {
    name: 'phone',
    isMobile: true,
    options: {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 3,
      isMobile: true,
      hasTouch: true,
    },
  },
];

/** Both viewports, or those named in E2E_VIEWPORTS (comma-separated) for debugging. */
export const VIEWPORTS = (() => {
  const only = (process.env.E2E_VIEWPORTS || '').split(',').map((s) => s.trim()).filter(Boolean);
  return only.length ? ALL_VIEWPORTS.filter((v) => only.includes(v.name)) : ALL_VIEWPORTS;
})();

/**
 * Registers, in the enclosing `describe`, the hooks every journey shares: a demo server and a
 * browser started (together) before its tests and closed after them. `started(server, browser)`
 * receives both; a journey's own `before` hooks, registered after this call, run after it.
 */
export function withServerAndBrowser(started) {
  let server;
  let browser;
  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    started(server, browser);
  }, { timeout: HOOK_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

export function newContext(browser, server, vp) {
  return browser.newContext({
    ...vp.options,
    baseURL: server.baseURL,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
}

function safeName(s) {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 120);
}

/**
 * Runs `fn(page, context)` in a fresh browser context for viewport `vp`. On failure,
 * writes a full-page screenshot and the page's HTML into test-results/ and rethrows.
 */
export async function withPage(browser, server, vp, label, fn) {
  const context = await newContext(browser, server, vp);
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`console: ${m.text()}`); });
  page.on('requestfailed', (r) => consoleErrors.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  try {
    await fn(page, context);
  } catch (err) {
    const stem = join(RESULTS_DIR, safeName(`${label}-${vp.name}-${new Date().toISOString()}`));
    try {
      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: `${stem}.png`, fullPage: true, timeout: 10_000 });
      writeFileSync(`${stem}.html`, await page.content());
      writeFileSync(
        `${stem}.txt`,
        `url: ${page.url()}\n\n${err?.stack || err}\n\nbrowser errors:\n${consoleErrors.join('\n')}\n` +
          `\nserver: ${server.exitStatus ? `exited ${JSON.stringify(server.exitStatus)}` : 'running'}\n` +
          `--- server output (tail):\n${server.stderr.slice(-6000).replace(/\x1b\[[0-9;]*m/g, '')}\n`,
      );
      err.message += `\n  (page was at ${page.url()}; screenshot: ${stem}.png)`;
    } catch (shotErr) {
      err.message += `\n  (could not save screenshot: ${shotErr.message})`;
    }
    throw err;
  } finally {
    await context.close().catch(() => {});
  }
}

/** Tap on the phone, click on the desktop. */
export function press(locator, vp) {
  return vp.isMobile ? locator.tap() : locator.click();
}

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

/** Waits until the page's pathname is `path` (a string or a RegExp). */
export async function waitForPath(page, path, timeout = ACTION_TIMEOUT_MS) {
  const ok = typeof path === 'string' ? (p) => p === path : (p) => path.test(p);
  try {
    await page.waitForURL((u) => ok(u.pathname), { timeout, waitUntil: 'domcontentloaded' });
  } catch (err) {
    err.message = `expected to land on ${path}, but the page is at ${page.url()}\n${err.message}`;
    throw err;
  }
}

/** Empties every [role=alert] so that a later wait cannot match a stale message. */
export async function clearAlerts(page) {
  await page.evaluate(() => {
    for (const el of document.querySelectorAll('[role=alert]')) el.textContent = '';
  });
}

/** Texts of all [role=alert] elements, for error messages. */
export async function alertTexts(page) {
  return page.locator('[role=alert]').allInnerTexts().catch(() => []);
}

/**
 * Waits for a visible `selector` whose text matches `text` (string or RegExp; default:
 * any non-blank text) and returns its inner text.
 */
export async function waitForText(page, selector, text = /\S/, timeout = ACTION_TIMEOUT_MS) {
  const loc = page.locator(selector).filter({ hasText: text }).first();
  try {
    await loc.waitFor({ state: 'visible', timeout });
  } catch (err) {
    const seen = await page.locator(selector).allInnerTexts().catch(() => []);
    err.message =
      `expected a visible ${selector} with text ${text}; found ${JSON.stringify(seen)} at ${page.url()}\n${err.message}`;
    throw err;
  }
  return (await loc.innerText()).trim();
}

/** Submits a form by pressing `submit` and waits until its POST has been answered. */
export async function submitAndWait(page, submit, vp) {
  const posted = page.waitForEvent('requestfinished', {
    predicate: (r) => r.method() === 'POST',
    timeout: ACTION_TIMEOUT_MS,
  });
  await press(submit, vp);
  await posted;
  await page.waitForLoadState('domcontentloaded');
}

/** Fills and submits form#login-form (going to /login first if needed). */
export async function submitPassword(page, vp, username, password) {
  if (pathOf(page) !== '/login' || (await page.locator('form#login-form').count()) === 0) {
    await page.goto('/login');
  }
  const form = page.locator('form#login-form');
  await form.locator('input[name=username]').fill(username);
  await form.locator('input[name=password]').fill(password);
  await clearAlerts(page);
  await submitAndWait(page, form.locator('button[type=submit]'), vp);
}

/** Fills and submits form#second-factor-form. */
export async function submitCode(page, vp, code) {
  const form = page.locator('form#second-factor-form');
  await form.locator('input[name=code]').fill(code);
  await clearAlerts(page);
  await submitAndWait(page, form.locator('button[type=submit], input[type=submit]').first(), vp);
}

/**
 * Signs `username` in with the printed password and, if the account has a second
 * factor, a fresh TOTP code; ends on `/` with the signed-in layout present.
 */
export async function signIn(page, server, vp, username) {
  const acct = server.account(username);
  await page.goto('/login');
  await submitPassword(page, vp, username, acct.password);
  if (acct.totp) {
    await waitForPath(page, '/login/second-factor');
    await page.locator('form#second-factor-form').waitFor();
    await submitCode(page, vp, await server.freshTotp(username));
  }
  await waitForPath(page, '/');
  await page.locator('nav#main-nav').waitFor({ state: 'attached' });
}

/** Makes nav#main-nav visible, opening button#nav-toggle if the phone layout collapsed it. */
export async function revealNav(page, vp) {
  const nav = page.locator('nav#main-nav');
  if (await nav.isVisible()) return nav;
  const toggle = page.locator('button#nav-toggle');
  assert.ok(
    await toggle.isVisible(),
    'nav#main-nav is hidden and there is no visible button#nav-toggle to open it',
  );
  await press(toggle, vp);
  await nav.waitFor({ state: 'visible' });
  return nav;
}

/** A UUID, as a regular-expression source. */
export const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/**
 * Opens the `index`-th operating enterprise of `region` from the enterprise list (through the
 * nav and the filter form) and returns its name once its file page shows it.
 */
export async function openOperatingEnterprise(page, vp, region, index) {
  const nav = await revealNav(page, vp);
  await press(nav.locator('a[href="/enterprises"]').first(), vp);
  await waitForPath(page, '/enterprises');
  const filter = page.locator('form#filter-form');
  await filter.locator('input[name=region_code]').fill(region);
  await filter.locator('select[name=status]').selectOption('operating');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/enterprises' && u.searchParams.get('status') === 'operating', {
      waitUntil: 'domcontentloaded',
    }),
    press(filter.locator('button[type=submit]'), vp),
  ]);
  const links = page.locator('table#enterprises-table tbody tr a[href^="/enterprises/"]');
  await links.first().waitFor({ state: 'attached' });
  assert.ok((await links.count()) > index, `at least ${index + 1} operating enterprises in ${region}`);
  const link = links.nth(index);
  const name = (await link.innerText()).trim();
  await press(link, vp);
  await waitForPath(page, new RegExp(`^/enterprises/${UUID}$`));
  await waitForText(page, 'h1', name);
  return name;
}

/** Signs out through button#sign-out (opening the collapsed nav if that is where it lives). */
export async function signOut(page, vp) {
  const button = page.locator('button#sign-out');
  if (!(await button.isVisible())) await revealNav(page, vp);
  await button.waitFor({ state: 'visible' });
  const posted = page.waitForEvent('requestfinished', {
    predicate: (r) => r.method() === 'POST',
    timeout: ACTION_TIMEOUT_MS,
  });
  await press(button, vp);
  await posted;
  // Wait until the signed-out page has replaced the signed-in one.
  await button.waitFor({ state: 'detached' });
  await page.waitForLoadState('load');
}

export async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.getAttribute('lang'));
}

export async function waitForLang(page, lang) {
  try {
    await page.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached' });
  } catch (err) {
    err.message = `expected <html lang="${lang}">, found lang="${await htmlLang(page)}"\n${err.message}`;
    throw err;
  }
}

/** Role labels of the UI contract. */
export const ROLE_LABELS = {
  administrator: { zh: '管理员', en: 'Administrator' },
  officer: { zh: '监管人员', en: 'Officer' },
};

/** The id at the end of an /admin/users/<uuid> link. */
export const USER_PATH = /^\/admin\/users\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** Suffix unique to this run, for usernames and the like (lowercase letters and digits). */
export function uniqueSuffix() {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36).padStart(3, '0')}`;
}
