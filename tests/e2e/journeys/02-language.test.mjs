// Journey 2: a signed-in officer switches the UI to English, the choice survives
// a new page load, and switches back to Chinese. Also checks the phone layout.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ROLE_LABELS, TEST_TIMEOUT_MS, VIEWPORTS,
  press, revealNav, signIn, waitForLang, waitForText, withPage, withServerAndBrowser,
} from '../lib/browser.mjs';

// A different officer per viewport, so a language stored per user in one run
// cannot leak into the other.
const OFFICER = { desktop: 'jx.officer', phone: 'nc.officer' };

describe('switch language', () => {
  let server;
  let browser;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  for (const vp of VIEWPORTS) {
    test(`${vp.name}: switch to English and back to Chinese`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const username = OFFICER[vp.name];
      await withPage(browser, server, vp, 'language', async (page) => {
        await signIn(page, server, vp, username);
        await waitForLang(page, 'zh-CN');
        assert.equal((await page.locator('#home-role').innerText()).trim(), ROLE_LABELS.officer.zh);

        if (vp.isMobile) {
          // A phone layout: the page is laid out at device width, without sideways scrolling.
          const { clientWidth, scrollWidth } = await page.evaluate(() => ({
            clientWidth: document.documentElement.clientWidth,
            scrollWidth: document.documentElement.scrollWidth,
          }));
          assert.ok(clientWidth <= 390, `layout width ${clientWidth}px > 390px: missing <meta name=viewport content="width=device-width">?`);
          assert.ok(scrollWidth <= clientWidth + 1, `home page scrolls sideways on a phone (${scrollWidth}px > ${clientWidth}px)`);
        }

        // The language links live in the header, visible even on a phone.
        const toEnglish = page.locator('#lang-switch a#lang-en');
        await toEnglish.waitFor({ state: 'visible' });
        await press(toEnglish, vp);
        await waitForLang(page, 'en');
        await waitForText(page, '#home-role', ROLE_LABELS.officer.en);

        // The choice persists on the next page load.
        await page.goto('/');
        await waitForLang(page, 'en');
        assert.equal((await page.locator('#home-role').innerText()).trim(), ROLE_LABELS.officer.en);
        await page.reload();
        await waitForLang(page, 'en');

        // And back to Chinese.
        const toChinese = page.locator('#lang-switch a#lang-zh');
        await toChinese.waitFor({ state: 'visible' });
        await press(toChinese, vp);
        await waitForLang(page, 'zh-CN');
        await waitForText(page, '#home-role', ROLE_LABELS.officer.zh);
        await page.goto('/');
        await waitForLang(page, 'zh-CN');
        assert.equal((await page.locator('#home-role').innerText()).trim(), ROLE_LABELS.officer.zh);

        // The main nav is reachable on every viewport (behind #nav-toggle on a phone).
        await revealNav(page, vp);
      });
    });
  }
});
