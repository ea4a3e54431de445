// Journey 3: a county bureau administrator (ncx.admin, password + TOTP) creates an
// officer. A weak password is refused first with field errors; then the user is
// created, the detail page shows it, and the users list finds it.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TEST_TIMEOUT_MS, USER_PATH, VIEWPORTS,
  clearAlerts, pathOf, press, signIn, submitAndWait, uniqueSuffix, waitForPath, waitForText,
  withPage, withServerAndBrowser,
} from '../lib/browser.mjs';

const BUREAU_ADMIN = 'ncx.admin';
const STRONG_PASSWORD = 'Kq7#vTm2!pLx9w';

async function fillUserForm(page, fields) {
  const form = page.locator('form#user-form');
  await form.waitFor();
  await form.locator('input[name=username]').fill(fields.username);
  await form.locator('input[name=display_name]').fill(fields.displayName);
  await form.locator('select[name=role]').selectOption('officer');
  // The first organisation offered is the admin's own bureau.
  const firstOrg = form.locator('select[name=organisation_id] option').first();
  const orgValue = await firstOrg.getAttribute('value');
  assert.ok(orgValue, 'select[name=organisation_id] has a first option with a value');
  await form.locator('select[name=organisation_id]').selectOption(orgValue);
  await form.locator('select[name=department]').selectOption('enforcement');
  await form.locator('input[name=officer_number]').fill(fields.officerNumber);
  await form.locator('input[name=password]').fill(fields.password);
  return { form, firstOrgText: (await firstOrg.innerText()).trim() };
}

describe('create an officer as a bureau administrator', () => {
  let server;
  let browser;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  for (const vp of VIEWPORTS) {
    test(`${vp.name}: ncx.admin creates an officer after a field error`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const admin = server.account(BUREAU_ADMIN);
      const suffix = uniqueSuffix();
      const username = `e2e.${vp.name}.${suffix}`;
      const displayName = `测试人员${suffix}`;
      const officerNumber = `36${String(Date.now()).slice(-9)}`;

      await withPage(browser, server, vp, 'create-user', async (page) => {
        await signIn(page, server, vp, BUREAU_ADMIN);

        await page.goto('/admin/users');
        await page.locator('table#users-table').waitFor({ state: 'attached' });
        await page.locator('form#filter-form input[name=q]').waitFor({ state: 'attached' });
        const newUser = page.locator('a#new-user');
        await newUser.waitFor({ state: 'visible' });
        await press(newUser, vp);
        await waitForPath(page, '/admin/users/new');

        // Bad input: a three-letter password. The form comes back with errors.
        let { form, firstOrgText } = await fillUserForm(page, {
          username, displayName, officerNumber, password: 'abc',
        });
        assert.ok(
          firstOrgText.includes(admin.bureau),
          `first organisation option "${firstOrgText}" should be ncx.admin's bureau "${admin.bureau}"`,
        );
        await clearAlerts(page);
        await submitAndWait(page, form.locator('button[type=submit], input[type=submit]').first(), vp);
        await waitForText(page, '[role=alert]');
        await waitForText(page, '.field-error');
        assert.doesNotMatch(pathOf(page), USER_PATH, 'a weak password must not create the user');
        await page.locator('form#user-form').waitFor();

        // Good input: the user is created and its detail page is shown.
        ({ form } = await fillUserForm(page, {
          username, displayName, officerNumber, password: STRONG_PASSWORD,
        }));
        await clearAlerts(page);
        await submitAndWait(page, form.locator('button[type=submit], input[type=submit]').first(), vp);
        await waitForPath(page, USER_PATH);
        const detail = await waitForText(page, '#user-detail', username);
        assert.ok(detail.includes(username));

        // The users list finds the new user through the filter form.
        await page.goto('/admin/users');
        const q = page.locator('form#filter-form input[name=q]');
        await q.fill(username);
        await q.press('Enter');
        await waitForText(page, 'table#users-table tbody tr', username);
        // Once the filter has applied, every row is the new user.
        await page.waitForFunction(
          (name) => {
            const rows = [...document.querySelectorAll('table#users-table tbody tr')];
            return rows.length > 0 && rows.every((r) => r.textContent.includes(name));
          },
          username,
          { timeout: 30_000 },
        );
        const href = await page
          .locator('table#users-table tbody tr', { hasText: username })
          .first()
          .locator('a[href*="/admin/users/"]')
          .first()
          .getAttribute('href');
        assert.match(new URL(href, server.baseURL).pathname, USER_PATH);
      });
    });
  }
});
