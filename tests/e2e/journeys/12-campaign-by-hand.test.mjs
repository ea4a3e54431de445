// Journey 12: a county adapts the province's template and launches its own campaign
// (R-CAMP-1). The county officer (ncx.officer, 南昌县) opens /campaigns, picks the Jiangxi
// template for next year and chooses to adapt it first: the campaign form comes back filled
// (name, stages with next year's dates, the county as region). The officer renames it,
// moves the end before the start and launches: the form comes back with the error beside
// 结束日期 and the name as typed, nothing launched. With the end put right it launches: the
// campaign's page shows the new name, 南昌县, the full-coverage stage and a ZX-360121 number.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TEST_TIMEOUT_MS, UUID, VIEWPORTS,
  press, revealNav, signIn, submitAndWait, uniqueSuffix, waitForPath, waitForText, withPage,
  withServerAndBrowser,
} from '../lib/browser.mjs';

const COUNTY_OFFICER = 'ncx.officer';
const CAMPAIGN_PATH = new RegExp(`^/campaigns/${UUID}$`);

describe('a county adapts a template and launches its own campaign', () => {
  let server;
  let browser;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  VIEWPORTS.forEach((vp) => {
    test(`${vp.name}: ncx.officer adapts the Jiangxi template, a bad end date is named, then it launches`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const name = `旅程十二 ${vp.name} ${uniqueSuffix()} 南昌县重点工业产品专项整治`;
      const year = new Date().getUTCFullYear() + 1;

      await withPage(browser, server, vp, 'campaign-by-hand', async (page) => {
        await signIn(page, server, vp, COUNTY_OFFICER);
        await press((await revealNav(page, vp)).locator('a[href="/campaigns"]'), vp);
        await waitForPath(page, '/campaigns');

        // 1. The template, next year, adapted first.
        const templates = page.locator('form#template-form');
        await templates.locator('select[name=template]').selectOption('jiangxi-2022');
        await templates.locator('input[name=year]').fill(String(year));
        await press(page.locator('button#adapt-template'), vp);
        await waitForPath(page, '/campaigns/new');
        const form = page.locator('form#campaign-form');
        await form.waitFor();
        assert.match(await form.locator('input[name=name]').inputValue(), new RegExp(`${year}年`));
        assert.equal(await form.locator('select[name=region_code]').inputValue(), '360121', 'the county itself');
        assert.equal(
          await form.locator('input[name="milestones[1].due_on"]').inputValue(),
          `${year}-06-30`,
          'the full-coverage inspection is due at the end of June of the chosen year',
        );
        assert.ok(await form.locator('input[name=key_products]:checked').count() > 0, 'the key products are ticked');

        // 2. Renamed, the end before the start: refused, the error beside the end date.
        await form.locator('input[name=name]').fill(name);
        await form.locator('input[name=ends_on]').fill(`${year}-01-01`);
        await submitAndWait(page, form.locator('button#launch-campaign'), vp);
        await waitForPath(page, '/campaigns');
        await waitForText(page, 'form#campaign-form .field-error', /\S/);
        assert.equal(await page.locator('form#campaign-form input[name=name]').inputValue(), name, 'the name as typed');

        // 3. Put right and launched.
        await page.locator('form#campaign-form input[name=ends_on]').fill(`${year}-10-31`);
        await submitAndWait(page, page.locator('form#campaign-form button#launch-campaign'), vp);
        await waitForPath(page, CAMPAIGN_PATH);
        await waitForText(page, 'h1', name);
        const facts = await waitForText(page, '#campaign-detail', /ZX-360121-/);
        assert.match(facts, /南昌县/, 'the county is the campaign region');
        await waitForText(page, 'table#milestones', /生产企业全覆盖检查/);
      });
    });
  });
});
