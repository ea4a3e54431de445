// Journey 5: five wrong passwords in a row lock the account; then even the right
// password is refused with the locked message. A different demo account per
// viewport (ruijin.officer on the desktop, nc.legal on the phone), each in this
// file's own server, so no other journey meets a locked account.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TEST_TIMEOUT_MS, VIEWPORTS,
  alertTexts, pathOf, submitPassword, waitForLang, waitForText, withPage, withServerAndBrowser,
} from '../lib/browser.mjs';

const VICTIM = { desktop: 'ruijin.officer', phone: 'nc.legal' };
const MAX_FAILURES = 5;

describe('sign-in lockout', () => {
  let server;
  let browser;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  for (const vp of VIEWPORTS) {
    test(`${vp.name}: ${MAX_FAILURES} wrong passwords lock ${VICTIM[vp.name]}`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const username = VICTIM[vp.name];
      const { password } = server.account(username);

      await withPage(browser, server, vp, 'lockout', async (page) => {
        await page.goto('/login');
        await waitForLang(page, 'zh-CN');

        for (let i = 1; i <= MAX_FAILURES; i++) {
          await submitPassword(page, vp, username, `wrong-${i}-${password}`);
          if (i < MAX_FAILURES) {
            await waitForText(page, '[role=alert]', '用户名或密码错误');
          } else {
            await waitForText(page, '[role=alert]', '锁定');
          }
          assert.notEqual(pathOf(page), '/', `wrong password ${i} must not sign in`);
        }

        // The right password is refused too, with the locked message.
        await submitPassword(page, vp, username, password);
        await waitForText(page, '[role=alert]', '锁定');
        await page.waitForLoadState('load');
        const path = pathOf(page);
        assert.ok(
          path !== '/' && path !== '/login/second-factor',
          `a locked account must not get past the password (at ${path}; alerts ${JSON.stringify(await alertTexts(page))})`,
        );
        assert.equal(await page.locator('nav#main-nav').count(), 0, 'no signed-in layout for a locked account');
      });
    });
  }
});
