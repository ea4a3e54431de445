// Journey 8: a hazard from finding to close-out (R-HAZ-1, R-HAZ-2, R-AUTH-3). The county
// inspector (ncx.inspector, 南昌县) finds an operating enterprise through the enterprise
// list, opens its file and records a hazard there. The enterprise's rectification plan and
// its evidence are recorded on its behalf (the history marks both "代企业办理"). The
// inspector who found the hazard is not offered the review; a review sent anyway (as from
// a stale or tampered form) is refused with second_officer_required, shown in Chinese,
// and the status stays. A second officer of the bureau (ncx.officer) passes the review and
// the hazard shows 已销号 (复查合格).
//
// The viewports share one server, so each records its own hazard (its own description)
// at its own enterprise of the list.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TEST_TIMEOUT_MS, UUID, VIEWPORTS,
  clearAlerts, openOperatingEnterprise, press, signIn, signOut, submitAndWait, uniqueSuffix,
  waitForPath, waitForText, withPage, withServerAndBrowser,
} from '../lib/browser.mjs';

const INSPECTOR = 'ncx.inspector';
const SECOND_OFFICER = 'ncx.officer';
const REGION = '360121';
const HAZARD_PATH = new RegExp(`^/hazards/${UUID}$`);
/** error-second-officer-required in the zh-CN locale (the page shows the message, not the code). */
const SECOND_OFFICER_REQUIRED = /另一名监管人员复查通过/;

/** Takes one lifecycle step through form#step-form and waits for the answer. */
async function takeStep(page, vp, action, note = '') {
  const form = page.locator('form#step-form');
  await form.waitFor();
  await form.locator('select[name=action]').selectOption(action);
  if (note) await form.locator('textarea[name=note]').fill(note);
  await clearAlerts(page);
  await submitAndWait(page, form.locator('button[type=submit]'), vp);
}

describe('a hazard is recorded, rectified on the enterprise\'s behalf and closed by a second officer', () => {
  let server;
  let browser;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  VIEWPORTS.forEach((vp, vpIndex) => {
    test(`${vp.name}: ncx.inspector records, plan and evidence on behalf, ncx.officer closes`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const suffix = uniqueSuffix();
      const description = `旅程八${vp.name === 'phone' ? '甲' : '乙'}：成品仓库灭火器压力不足，安全出口被货物堵塞 ${suffix}`;

      await withPage(browser, server, vp, 'hazard-close-out', async (page) => {
        // 1. The inspector finds an operating enterprise of the county in the list.
        await signIn(page, server, vp, INSPECTOR);
        const enterpriseName = await openOperatingEnterprise(page, vp, REGION, vpIndex);

        // 2. From the file to the hazard form, with the enterprise filled in.
        await press(page.locator('a#new-hazard'), vp);
        await waitForPath(page, '/hazards/new');
        const form = page.locator('form#hazard-form');
        await form.waitFor();
        assert.match(await form.locator('input[name=enterprise_id]').inputValue(), new RegExp(`^${UUID}$`));
        await form.locator('select[name=source]').selectOption('inspection');
        await form.locator('select[name=level]').selectOption('general');
        await form.locator('textarea[name=description]').fill(description);
        await form.locator('input[name=responsible_person]').fill('张厂长');
        await clearAlerts(page);
        await submitAndWait(page, form.locator('button[type=submit]'), vp);
        await waitForPath(page, HAZARD_PATH);
        const hazardUrl = page.url();
        await waitForText(page, '#hazard-status', '待整改');
        const detail = await page.locator('section#hazard-detail').innerText();
        assert.ok(detail.includes(enterpriseName), `the hazard names ${enterpriseName}`);
        assert.ok(detail.includes(description), 'the hazard shows its description');

        // 3. The plan and the evidence, recorded on the enterprise's behalf.
        await takeStep(page, vp, 'plan', '更换灭火器并清理安全出口，三日内完成');
        await waitForText(page, '#hazard-status', '整改中');
        await takeStep(page, vp, 'submit_evidence', '已更换 4 具灭火器，安全出口已清空，附照片');
        await waitForText(page, '#hazard-status', '待复查');
        const onBehalf = page.locator('table#hazard-history tbody tr', { hasText: '代企业办理' });
        assert.equal(await onBehalf.count(), 2, 'plan and evidence are marked as recorded on the enterprise\'s behalf');

        // 4. The finder may not close it: the page does not offer the review, and a
        //    request for it anyway (a stale or tampered form) is refused by the server.
        const offered = await page.locator('form#step-form select[name=action] option').evaluateAll(
          (os) => os.map((o) => o.value),
        );
        assert.ok(!offered.includes('pass_review'), `the finder is not offered pass_review: ${offered}`);
        await page.locator('form#step-form select[name=action]').evaluate((sel) => {
          sel.add(new Option('复查合格销号', 'pass_review'));
        });
        await takeStep(page, vp, 'pass_review');
        const refusal = await waitForText(page, '[role=alert]', SECOND_OFFICER_REQUIRED);
        assert.match(refusal, SECOND_OFFICER_REQUIRED);
        await waitForText(page, '#hazard-status', '待复查');
        await signOut(page, vp);

        // 5. A second officer of the bureau passes the review: closed.
        await signIn(page, server, vp, SECOND_OFFICER);
        await page.goto(hazardUrl);
        await waitForText(page, '#hazard-status', '待复查');
        await takeStep(page, vp, 'pass_review', '现场复查合格');
        await waitForPath(page, HAZARD_PATH);
        const status = await waitForText(page, '#hazard-status', '已销号');
        assert.match(status, /复查合格/, `#hazard-status "${status}" says why it was closed`);
        assert.equal(await page.locator('form#step-form').count(), 0, 'a closed hazard offers no further step');
        const closed = page.locator('table#hazard-history tbody tr', { hasText: '复查合格销号' });
        assert.equal(await closed.count(), 1, 'the history shows the review');
        assert.ok((await closed.innerText()).includes('郑丽'), 'the review is by ncx.officer');
      });
    });
  });
});
