// Journey 9: the campaign's weekly report (R-REP-1). The county officer (ncx.officer, 南昌县)
// finds the demo's campaign on /campaigns, opens its weekly report, picks a past week of
// the campaign for 南昌县 and submits it: the page then shows the published version and
// 本级 已报送. The city officer (nc.officer, 南昌市) opens the city's report for the same
// week: the row of 南昌县 is marked 已报送, another county's (新建区) 未报送, and the
// count of counties still missing is the number of rows marked lagging.
//
// The viewports share one server, so each submits its own week (of the two oldest).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TEST_TIMEOUT_MS, VIEWPORTS,
  clearAlerts, press, revealNav, signIn, signOut, submitAndWait, uniqueSuffix, waitForPath,
  waitForText, withPage, withServerAndBrowser,
} from '../lib/browser.mjs';

const COUNTY_OFFICER = 'ncx.officer';
const CITY_OFFICER = 'nc.officer';
const COUNTY = '360121';
const CITY = '360100';
/** Another county of 南昌市 that nobody submits for in this journey (新建区). */
const OTHER_COUNTY = '360112';
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const CAMPAIGN_PATH = new RegExp(`^/campaigns/${UUID}$`);
const REPORT_PATH = new RegExp(`^/campaigns/${UUID}/report$`);

/** The Sunday (YYYY-MM-DD) ending ISO week `YYYY-Www`. */
function sundayOf(isoWeek) {
  const [, y, w] = /^(\d{4})-W(\d{2})$/.exec(isoWeek).map(Number);
  // 4 January is always in week 1; its week's Monday, then w - 1 weeks and 6 days on.
  const jan4 = Date.UTC(y, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
  return new Date(monday1 + ((w - 1) * 7 + 6) * 86_400_000).toISOString().slice(0, 10);
}

/** Today in China (the server's reporting day). */
function todayInChina() {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** Opens the report of `region` for `week` through form#report-form and waits for it. */
async function showReport(page, vp, region, week) {
  const form = page.locator('form#report-form');
  await form.waitFor();
  await form.locator('input[name=region_code]').fill(region);
  await form.locator('select[name=week]').selectOption(week);
  await Promise.all([
    page.waitForURL(
      (u) => REPORT_PATH.test(u.pathname) && u.searchParams.get('week') === week
        && u.searchParams.get('region_code') === region,
      { waitUntil: 'domcontentloaded' },
    ),
    press(form.locator('button[type=submit]'), vp),
  ]);
  await page.locator('table#report-table').waitFor({ state: 'attached' });
}

describe('a county submits its weekly report and the city sees who has', () => {
  let server;
  let browser;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  VIEWPORTS.forEach((vp, vpIndex) => {
    test(`${vp.name}: ncx.officer submits a week, nc.officer sees 南昌县 submitted and 新建区 not`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
      const note = `旅程九 ${vp.name} ${uniqueSuffix()}：本周完成排查，无重大隐患`;

      await withPage(browser, server, vp, 'weekly-report', async (page) => {
        // 1. The county officer: campaigns → the campaign → its weekly report.
        await signIn(page, server, vp, COUNTY_OFFICER);
        const nav = await revealNav(page, vp);
        await press(nav.locator('a[href="/campaigns"]'), vp);
        await waitForPath(page, '/campaigns');
        const campaign = page.locator('table#campaigns-table a[href^="/campaigns/"]').first();
        await campaign.waitFor({ state: 'attached' });
        await press(campaign, vp);
        await waitForPath(page, CAMPAIGN_PATH);
        await press(page.locator('a#campaign-report'), vp);
        await waitForPath(page, REPORT_PATH);
        // The week picker offers the campaign's weeks; each viewport takes one of the two
        // oldest that have ended (desktop the first, phone the second).
        const offered = await page.locator('form#report-form select[name=week] option').evaluateAll(
          (os) => os.map((o) => o.value),
        );
        const today = todayInChina();
        const weeks = [...new Set(offered)].filter((w) => /^\d{4}-W\d{2}$/.test(w) && sundayOf(w) < today).sort();
        if (weeks.length < vpIndex + 1) {
          // The demo launches this year's campaign; before its first weeks are over
          // (January to late April) there is no week to submit.
          t.skip(`the demo campaign has no finished week yet (weeks: ${weeks.join(' ') || 'none'})`);
          return;
        }
        const week = weeks[vpIndex];

        // 2. 南昌县, the chosen week: not yet submitted; submit it.
        await showReport(page, vp, COUNTY, week);
        assert.ok(
          (await page.locator('#report-period').innerText()).includes('南昌县'),
          '#report-period names 南昌县',
        );
        await page.locator(`table#report-table tr[data-region="${COUNTY}"]`).waitFor({ state: 'attached' });
        await waitForText(page, '#report-submission-status', /本级: 未报送/);
        const submit = page.locator('form#report-submit');
        await submit.waitFor();
        assert.equal(await submit.locator('input[name=week]').inputValue(), week);
        await submit.locator('textarea[name=note]').fill(note);
        await clearAlerts(page);
        await submitAndWait(page, submit.locator('button[type=submit]'), vp);
        await waitForPath(page, REPORT_PATH);
        assert.equal(new URL(page.url()).searchParams.get('week'), week, 'back on the submitted week');
        const published = await waitForText(page, '#report-published', '已报送');
        assert.match(published, /SHA-256/, `#report-published "${published}" shows the digest`);
        assert.match(published, /与当前数据一致/, 'the published version matches the data');
        await waitForText(page, '#report-submission-status', /本级: 已报送/);
        assert.equal(await page.locator('form#report-submit').count(), 0, 'a submitted week cannot be submitted again');
        await signOut(page, vp);

        // 3. The city officer: the city's report for the same week.
        await signIn(page, server, vp, CITY_OFFICER);
        await press((await revealNav(page, vp)).locator('a[href="/campaigns"]'), vp);
        await waitForPath(page, '/campaigns');
        await press(page.locator('table#campaigns-table a[href^="/campaigns/"]').first(), vp);
        await waitForPath(page, CAMPAIGN_PATH);
        await press(page.locator('a#campaign-report'), vp);
        await waitForPath(page, REPORT_PATH);
        await showReport(page, vp, CITY, week);
        const countyRow = page.locator(`table#report-table tr[data-region="${COUNTY}"]`);
        const otherRow = page.locator(`table#report-table tr[data-region="${OTHER_COUNTY}"]`);
        await countyRow.waitFor({ state: 'attached' });
        const countyText = (await countyRow.locator('td').first().innerText()).trim();
        const otherText = (await otherRow.locator('td').first().innerText()).trim();
        assert.match(countyText, /南昌县\s*已报送/, `南昌县's row "${countyText}"`);
        assert.doesNotMatch(countyText, /未报送/, `南昌县's row "${countyText}"`);
        assert.equal(await countyRow.getAttribute('class'), null, '南昌县 is not marked lagging');
        assert.match(otherText, /新建区\s*未报送/, `新建区's row "${otherText}"`);
        assert.match(await otherRow.getAttribute('class') ?? '', /lagging/, '新建区 is marked lagging');
        const lagging = await page.locator('table#report-table tbody tr.lagging').count();
        assert.ok(lagging >= 1, 'the other counties are marked lagging');
        const status = await waitForText(page, '#report-submission-status', /下级未报送/);
        assert.match(status, /本级: 未报送/, `the city itself has not submitted: "${status}"`);
        assert.match(status, new RegExp(`下级未报送 ${lagging} 个`), `as many missing as rows marked lagging: "${status}"`);
      });
    });
  });
});
