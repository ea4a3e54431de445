// Journey 7: an enterprise without an activation code registers on the public page; a
// bad phone number first comes back with a field error. The county officer
// (ncx.officer) finds the pending request, learns the credit code is not in the ledger,
// registers the enterprise from the request (the form arrives filled), comes back and
// confirms. The applicant then signs in with the password it chose and sees its own
// enterprise file through "本单位".
//
// The viewports share one server, so each uses its own credit code and user name.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TEST_TIMEOUT_MS, VIEWPORTS,
  clearAlerts, press, revealNav, signIn, signOut, submitAndWait, submitPassword, uniqueSuffix,
  waitForPath, waitForText, withPage, withServerAndBrowser,
} from '../lib/browser.mjs';

const OFFICER = 'ncx.officer';
const REGION = '360121';
const PASSWORD = 'Qiye#Zhuce2026';
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const REQUEST_PATH = new RegExp(`^/registrations/${UUID}$`);
const ENTERPRISE_PATH = new RegExp(`^/enterprises/${UUID}$`);

// GB 32100 credit codes (as journey 6 composes them).
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

function makeUscc(region, body) {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(body[i], 36) * ORG_WEIGHTS[i];
  const c = 11 - (sum % 11);
  const first17 = `91${region}${body}${c === 10 ? 'X' : c === 11 ? '0' : String(c)}`;
  let total = 0;
  for (let i = 0; i < 17; i++) total += USCC_ALPHABET.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return first17 + USCC_ALPHABET[(31 - (total % 31)) % 31];
}

function randomBody() {
  let s = 'MA';
  for (let i = 0; i < 6; i++) s += USCC_ALPHABET[Math.floor(Math.random() * USCC_ALPHABET.length)];
  return s;
}

describe('an enterprise registers and an officer confirms it', () => {
  let server;
  let browser;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  for (const vp of VIEWPORTS) {
    test(`${vp.name}: registration, confirmation, sign-in to the own file`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const suffix = uniqueSuffix();
      const uscc = makeUscc(REGION, randomBody());
      const company = `南昌县注册旅程${vp.name === 'phone' ? '甲' : '乙'}电缆厂${suffix}`;
      const username = `zhuce.${vp.name}.${suffix}`.toLowerCase();

      await withPage(browser, server, vp, 'registration', async (page) => {
        // The applicant: from the sign-in page to the registration form.
        await page.goto('/login');
        await press(page.locator('a#register-link'), vp);
        await waitForPath(page, '/register');
        const form = page.locator('form#register-form');
        await form.locator('input[name=uscc]').fill(uscc);
        await form.locator('input[name=company_name]').fill(company);
        await form.locator('input[name=contact_name]').fill('王质量');
        await form.locator('input[name=phone]').fill('abc');
        await form.locator('select[name=region_code]').selectOption(REGION);
        await form.locator('input[name=username]').fill(username);
        await form.locator('input[name=password]').fill(PASSWORD);
        await clearAlerts(page);
        await submitAndWait(page, form.locator('button[type=submit]'), vp);
        await waitForText(page, '.field-error');
        assert.equal(await page.locator('form#register-form input[name=company_name]').inputValue(), company,
          'the form comes back filled');
        await page.locator('form#register-form input[name=phone]').fill('13812345678');
        await page.locator('form#register-form input[name=password]').fill(PASSWORD);
        await submitAndWait(page, page.locator('form#register-form button[type=submit]'), vp);
        await waitForText(page, '[role=status]');
        assert.equal(await page.locator('form#register-form').count(), 0, 'the request was received');

        // The officer: the pending request, the enterprise registered from it, confirmed.
        await signIn(page, server, vp, OFFICER);
        const nav = await revealNav(page, vp);
        await press(nav.locator('a[href="/registrations?status=pending"]'), vp);
        await waitForPath(page, '/registrations');
        await press(page.locator('#registrations-table a', { hasText: company }), vp);
        await waitForPath(page, REQUEST_PATH);
        const requestUrl = page.url();
        assert.match(await page.locator('#registration-phone').innerText(), /138\*{4}5678/, 'the phone is masked');
        await press(page.locator('a#register-enterprise'), vp);
        await waitForPath(page, '/enterprises/new');
        const eform = page.locator('form#enterprise-form');
        assert.equal(await eform.locator('input[name=uscc]').inputValue(), uscc);
        assert.equal(await eform.locator('input[name=name]').inputValue(), company);
        await eform.locator('input[name=legal_representative]').fill('王建国');
        await eform.locator('input[name=address]').fill('江西省南昌市南昌县莲塘镇工业大道 8 号');
        await submitAndWait(page, eform.locator('button[type=submit]'), vp);
        await waitForPath(page, ENTERPRISE_PATH);
        await page.goto(requestUrl);
        await press(page.locator('button#confirm-registration'), vp);
        await waitForText(page, '#registration-status', '已通过');
        await signOut(page, vp);

        // The applicant signs in with its own password and opens its own file.
        await submitPassword(page, vp, username, PASSWORD);
        await waitForPath(page, '/');
        const own = (await revealNav(page, vp)).locator('a#nav-own-record');
        await press(own, vp);
        await waitForPath(page, ENTERPRISE_PATH);
        await waitForText(page, 'h1', company);
      });
    });
  }
});
