// Journey 1: an administrator signs in with password and second factor (TOTP),
// sees the home page, and signs out.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ROLE_LABELS, TEST_TIMEOUT_MS, VIEWPORTS,
  pathOf, signOut, submitCode, submitPassword, waitForLang, waitForPath, waitForText, withPage,
  withServerAndBrowser,
} from '../lib/browser.mjs';

describe('sign in with second factor', () => {
  let server;
  let browser;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  for (const vp of VIEWPORTS) {
    test(`${vp.name}: admin signs in with password and TOTP, then signs out`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const admin = server.account('admin');
      assert.ok(admin.totp, 'the demo admin account should print a TOTP secret');

      await withPage(browser, server, vp, 'sign-in', async (page) => {
        await page.goto('/login');
        await waitForLang(page, 'zh-CN');
        await page.locator('form#login-form').waitFor();

        // A wrong password is refused with the generic message.
        await submitPassword(page, vp, 'admin', `${admin.password}-wrong`);
        await waitForText(page, '[role=alert]', '用户名或密码错误');
        assert.equal(pathOf(page), '/login', 'a wrong password must not leave the sign-in page');

        // The right password leads to the second factor.
        await submitPassword(page, vp, 'admin', admin.password);
        await waitForPath(page, '/login/second-factor');
        const codeInput = page.locator('form#second-factor-form input[name=code]');
        await codeInput.waitFor();

        // A wrong code is refused.
        await submitCode(page, vp, server.wrongTotp('admin'));
        await waitForText(page, '[role=alert]');
        assert.notEqual(pathOf(page), '/', 'a wrong code must not sign in');
        await page.locator('form#second-factor-form').waitFor();

        // The right code signs in and lands on the home page.
        await submitCode(page, vp, await server.freshTotp('admin'));
        await waitForPath(page, '/');
        await waitForLang(page, 'zh-CN');
        await page.locator('nav#main-nav').waitFor({ state: 'attached' });
        await page.locator('#lang-switch a#lang-en').waitFor({ state: 'visible' });
        assert.equal(await page.locator('button#sign-out').count(), 1, 'one button#sign-out');

        const h1 = (await page.locator('h1').first().innerText()).trim();
        assert.ok(h1.length > 0, 'h1 shows the display name');
        const bureau = (await page.locator('#home-bureau').innerText()).trim();
        assert.ok(bureau.includes(admin.bureau), `#home-bureau "${bureau}" should name "${admin.bureau}"`);
        assert.equal((await page.locator('#home-role').innerText()).trim(), ROLE_LABELS.administrator.zh);
        assert.ok((await page.locator('#home-jurisdiction').innerText()).trim().length > 0, '#home-jurisdiction is filled');

        // Signing out ends the session: the home page asks for a sign-in again.
        await signOut(page, vp);
        await page.goto('/');
        await page.locator('form#login-form').waitFor({ state: 'visible' });
        assert.notEqual(pathOf(page), '/login/second-factor');
      });
    });
  }
});
