// Journey 4: a county administrator (ncx.admin, 南昌县) cannot see a user of another
// county (xj.officer, 新建区): the page answers 404 "未找到", the JSON API answers
// 404 not_found, and the users list does not show the user. The id is read by the
// province admin in a separate browser context.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  HOOK_TIMEOUT_MS, TEST_TIMEOUT_MS, USER_PATH, VIEWPORTS,
  signIn, waitForText, withPage, withServerAndBrowser,
} from '../lib/browser.mjs';

const OTHER_COUNTY_USER = 'xj.officer';
const OWN_COUNTY_USER = 'ncx.officer';
const COUNTY_ADMIN = 'ncx.admin';

/** Reads the id of `username` from the row link on /admin/users?q=<username>. */
async function userIdFromList(page, baseURL, username) {
  await page.goto(`/admin/users?q=${encodeURIComponent(username)}`);
  const rows = page.locator('table#users-table tbody tr');
  await rows.locator('a[href*="/admin/users/"]').first().waitFor({ state: 'attached' });
  // Prefer the row that shows the username; a filtered list of one row will do too.
  let row = rows.filter({ hasText: username }).first();
  if ((await row.count()) === 0) {
    assert.equal(await rows.count(), 1, `no row shows ${username} on /admin/users?q=${username}`);
    row = rows.first();
  }
  const href = await row.locator('a[href*="/admin/users/"]').first().getAttribute('href');
  const m = USER_PATH.exec(new URL(href, baseURL).pathname);
  assert.ok(m, `row link for ${username} should be /admin/users/<uuid>, got ${href}`);
  return m[1];
}

describe('jurisdiction isolation', () => {
  let server;
  let browser;
  let otherId;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  before(async () => {
    // The province admin can see every bureau's users; read xj.officer's id.
    await withPage(browser, server, VIEWPORTS[0], 'isolation-admin-lookup', async (page) => {
      await signIn(page, server, VIEWPORTS[0], 'admin');
      otherId = await userIdFromList(page, server.baseURL, OTHER_COUNTY_USER);
      // Control: for the province admin the same page exists.
      const res = await page.goto(`/admin/users/${otherId}`);
      assert.equal(res.status(), 200, 'the province admin sees xj.officer');
      await waitForText(page, '#user-detail', OTHER_COUNTY_USER);
    });
  }, { timeout: HOOK_TIMEOUT_MS });

  for (const vp of VIEWPORTS) {
    test(`${vp.name}: ncx.admin gets 404 for another county's user`, { timeout: TEST_TIMEOUT_MS }, async () => {
      assert.ok(otherId, 'xj.officer id was found in before()');
      await withPage(browser, server, vp, 'isolation', async (page) => {
        await signIn(page, server, vp, COUNTY_ADMIN);

        // Control: a user of ncx.admin's own county opens normally.
        const ownId = await userIdFromList(page, server.baseURL, OWN_COUNTY_USER);
        const ownRes = await page.goto(`/admin/users/${ownId}`);
        assert.equal(ownRes.status(), 200, 'ncx.admin sees ncx.officer');
        await waitForText(page, '#user-detail', OWN_COUNTY_USER);

        // The other county's user: 404 page.
        const res = await page.goto(`/admin/users/${otherId}`);
        assert.equal(res.status(), 404, `GET /admin/users/${otherId} as ncx.admin`);
        const h1 = (await page.locator('h1').first().innerText()).trim();
        assert.ok(/未找到|Not found/i.test(h1), `404 page h1 "${h1}" should say 未找到 / Not found`);
        assert.equal(await page.locator('#user-detail').count(), 0, 'no user detail on the 404 page');
        const body = await page.locator('body').innerText();
        assert.ok(!body.includes(OTHER_COUNTY_USER), 'the 404 page must not reveal the username');

        // The JSON API, with the same session: 404 not_found.
        const api = await page.request.get(`/api/v1/users/${otherId}`, {
          headers: { accept: 'application/json' },
        });
        assert.equal(api.status(), 404, `GET /api/v1/users/${otherId} as ncx.admin`);
        const json = await api.json();
        assert.equal(json?.error?.code, 'not_found', `API body ${JSON.stringify(json)}`);

        // The list does not show the other county's user either.
        await page.goto(`/admin/users?q=${encodeURIComponent(OTHER_COUNTY_USER)}`);
        await page.locator('table#users-table').waitFor({ state: 'attached' });
        assert.equal(
          await page.locator('table#users-table tbody tr', { hasText: OTHER_COUNTY_USER }).count(),
          0,
          'xj.officer must not be listed for ncx.admin',
        );
      });
    });
  }
});
