// Journey 10: an enterprise's self-inspection for the campaign (R-SELF-2). The county
// officer (ncx.officer, 南昌县) issues an activation code on an operating enterprise's file;
// the enterprise activates its account on /activate and signs in. It starts its
// self-inspection for the demo campaign, answers two items (one failed) and saves a draft,
// which comes back as saved. It answers the rest and submits without a plan for the failed
// item: the form comes back as typed with the error beside that item. With the plan added
// the submission goes through: the self-inspection shows 已提交 and the hazard the failed
// item raised, with the enterprise's note.
//
// The viewports share one server, so each activates its own enterprise of the list with
// its own user name.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TEST_TIMEOUT_MS, UUID, VIEWPORTS,
  clearAlerts, openOperatingEnterprise, press, revealNav, signIn, signOut, submitAndWait,
  submitPassword, uniqueSuffix, waitForPath, waitForText, withPage, withServerAndBrowser,
} from '../lib/browser.mjs';

const OFFICER = 'ncx.officer';
const REGION = '360121';
const PASSWORD = 'Qiye#Zicha2026';
const SELF_INSPECTION_PATH = new RegExp(`^/self-inspections/${UUID}$`);
const HAZARD_PATH = new RegExp(`^/hazards/${UUID}$`);
/** The checklist item this journey fails (the second). */
const FAILED = 1;

describe('an enterprise fills its self-inspection, is told what is missing and submits', () => {
  let server;
  let browser;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  VIEWPORTS.forEach((vp, vpIndex) => {
    test(`${vp.name}: activation, draft, the missing plan, submission and the hazard raised`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const suffix = uniqueSuffix();
      const username = `zicha.${vp.name}.${suffix}`.toLowerCase();
      const note = `旅程十${vp.name === 'phone' ? '甲' : '乙'}：整改记录未归档 ${suffix}`;
      const plan = '补齐近一年的整改记录并指定专人归档，每月复核一次。';

      await withPage(browser, server, vp, 'self-inspection', async (page) => {
        page.on('dialog', (d) => d.accept());

        // 1. The officer issues an activation code on the enterprise's file.
        await signIn(page, server, vp, OFFICER);
        const enterpriseName = await openOperatingEnterprise(page, vp, REGION, vpIndex);
        const uscc = (await page.locator('#enterprise-uscc').innerText()).trim();
        await submitAndWait(page, page.locator('button#issue-activation'), vp);
        const code = await waitForText(page, '#activation-code');
        assert.ok((await page.locator('#activation-notice').innerText()).includes(uscc), 'the notice names the code');
        await signOut(page, vp);

        // 2. The enterprise activates its account and signs in.
        await page.goto('/login');
        await press(page.locator('a#activate-link'), vp);
        await waitForPath(page, '/activate');
        const activate = page.locator('form#activate-form');
        await activate.locator('input[name=uscc]').fill(uscc);
        await activate.locator('input[name=code]').fill(code);
        await activate.locator('input[name=username]').fill(username);
        await activate.locator('input[name=display_name]').fill('王质量');
        await activate.locator('input[name=password]').fill(PASSWORD);
        await clearAlerts(page);
        await submitAndWait(page, activate.locator('button[type=submit]'), vp);
        await waitForText(page, '[role=status]', '账号已创建');
        await press(page.locator('a#go-sign-in'), vp);
        await waitForPath(page, '/login');
        await submitPassword(page, vp, username, PASSWORD);
        await waitForPath(page, '/');

        // 3. Its self-inspection for the campaign.
        await press((await revealNav(page, vp)).locator('a#nav-self-inspections'), vp);
        await waitForPath(page, '/self-inspections');
        const start = page.locator('form#start-self-inspection');
        const campaign = start.locator('select[name=campaign_id] option[value]:not([value=""])').first();
        await campaign.waitFor({ state: 'attached' });
        await start.locator('select[name=campaign_id]').selectOption(await campaign.getAttribute('value'));
        await submitAndWait(page, start.locator('button#start-self-inspection-button'), vp);
        await waitForPath(page, SELF_INSPECTION_PATH);
        const selfUrl = page.url();
        await waitForText(page, '#self-inspection-status', '草稿');
        assert.ok((await page.locator('#self-inspection-detail').innerText()).includes(enterpriseName));

        // 4. Two answers, one failed, saved as a draft.
        let form = page.locator('form#self-inspection-form');
        let items = form.locator('fieldset.check-item');
        const count = await items.count();
        assert.ok(count > FAILED + 1, `the checklist has more than ${FAILED + 1} items (${count})`);
        const failedId = await items.nth(FAILED).getAttribute('id');
        await press(items.nth(0).locator('input[type=radio][value=pass]'), vp);
        await press(items.nth(FAILED).locator('input[type=radio][value=fail]'), vp);
        await items.nth(FAILED).locator('textarea[name$=".note"]').fill(note);
        await submitAndWait(page, form.locator('button#save-draft'), vp);
        await waitForPath(page, SELF_INSPECTION_PATH);
        assert.equal(page.url(), selfUrl, 'the draft stays on its page');
        await waitForText(page, '#self-inspection-status', '草稿');
        form = page.locator('form#self-inspection-form');
        items = form.locator('fieldset.check-item');
        assert.ok(await items.nth(0).locator('input[value=pass]').isChecked(), 'the first answer was saved');
        assert.ok(await items.nth(FAILED).locator('input[value=fail]').isChecked(), 'the failed answer was saved');
        assert.equal(await items.nth(FAILED).locator('textarea[name$=".note"]').inputValue(), note);

        // 5. The rest answered; submitting without a plan for the failed item is refused.
        for (let i = 0; i < count; i++) {
          if (i !== FAILED) await press(items.nth(i).locator('input[type=radio][value=pass]'), vp);
        }
        await form.locator('input[name=responsible_person]').fill('王质量');
        await clearAlerts(page);
        await submitAndWait(page, form.locator('button#submit-self-inspection'), vp);
        await waitForText(page, '[role=alert]');
        const failedItem = page.locator(`form#self-inspection-form fieldset#${failedId}`);
        // The error stands under the plan (the .if-fail part of the item).
        await waitForText(page, `fieldset#${failedId} .if-fail .field-error`);
        await waitForText(page, '#self-inspection-status', '草稿');
        assert.ok(await failedItem.locator('input[value=fail]').isChecked(), 'the form comes back as typed');
        assert.equal(await failedItem.locator('textarea[name$=".note"]').inputValue(), note);
        const others = await page.locator('form#self-inspection-form fieldset.check-item .field-error').count();
        assert.equal(others, 1, 'only the failed item has an error');

        // 6. The plan added: submitted, and the hazard it raised is listed.
        await failedItem.locator('textarea[name$=".plan"]').fill(plan);
        await submitAndWait(page, page.locator('form#self-inspection-form button#submit-self-inspection'), vp);
        await waitForPath(page, SELF_INSPECTION_PATH);
        await waitForText(page, '#self-inspection-status', '已提交');
        assert.equal(await page.locator('form#self-inspection-form').count(), 0, 'a submitted self-inspection is read-only');
        const hazards = page.locator('#self-inspection-hazards li');
        assert.equal(await hazards.count(), 1, 'one failed item, one hazard');
        const hazardText = await hazards.first().innerText();
        assert.ok(hazardText.includes(note), `the hazard carries the note: ${hazardText}`);
        await press(hazards.first().locator('a[href^="/hazards/"]'), vp);
        await waitForPath(page, HAZARD_PATH);
        const detail = await page.locator('section#hazard-detail').innerText();
        assert.ok(detail.includes(plan), 'the hazard carries the enterprise\'s plan');
        assert.ok(detail.includes('企业自查'), 'its source is the self-inspection');
      });
    });
  });
});
