// Journey 11: an on-site inspection recorded on the spot (R-INSP-3), made for the phone.
// The county inspector (ncx.inspector, 南昌县) opens an operating enterprise's file from
// the list and starts an inspection record there. Half-way through the form the page is
// reloaded (as when a phone drops the tab): the form comes back from the device's own
// copy (offline.js, localStorage) with what was typed, the answers ticked and the same
// client key, and says so. The inspector then adds ncx.officer as the second officer, a
// finding and the feedback, and completes the record: the record shows 已完成, both
// officers and the finding, and the finding is in the hazard ledger as 待整改.
//
// The viewports share one server, so each inspects its own enterprise of the list with its
// own finding; each has its own browser storage.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TEST_TIMEOUT_MS, UUID, VIEWPORTS,
  openOperatingEnterprise, press, signIn, submitAndWait, uniqueSuffix, waitForPath, waitForText,
  withPage, withServerAndBrowser,
} from '../lib/browser.mjs';

const INSPECTOR = 'ncx.inspector';
const SECOND_OFFICER = 'ncx.officer';
/** ncx.officer's display name in the demo. */
const SECOND_OFFICER_NAME = '郑丽';
const INSPECTOR_NAME = '孙伟';
const REGION = '360121';
const INSPECTION_PATH = new RegExp(`^/inspections/${UUID}$`);
const HAZARD_PATH = new RegExp(`^/hazards/${UUID}$`);
/** Where offline.js keeps a record's draft on the device. */
const DRAFT_PREFIX = 'touchstone:inspection:';

/** Waits until the device's copy of the draft under `key` contains `text`. */
async function waitForDeviceCopy(page, key, text) {
  await page.waitForFunction(
    ([k, t]) => (window.localStorage.getItem(k) || '').includes(t),
    [key, text],
    { timeout: 10_000 },
  );
}

describe('an inspection recorded on the spot survives a reload and is completed by two officers', () => {
  let server;
  let browser;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  VIEWPORTS.forEach((vp, vpIndex) => {
    test(`${vp.name}: ncx.inspector records an inspection, reloads, adds ncx.officer and a finding, completes`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const suffix = uniqueSuffix();
      const place = `生产车间及成品仓库（${vp.name} ${suffix}）`;
      const staff = '王质量（质量负责人）';
      const failNote = `出厂检验记录缺 3 批次 ${suffix}`;
      const finding = `旅程十一${vp.name === 'phone' ? '甲' : '乙'}：出厂检验记录不全，3 个批次无检验报告 ${suffix}`;
      const feedback = '已当场向企业质量负责人反馈检查结果，要求补齐出厂检验记录。';

      await withPage(browser, server, vp, 'field-inspection', async (page) => {
        page.on('dialog', (d) => d.accept());
        assert.ok(server.account(SECOND_OFFICER), 'the second officer is a demo account');

        // 1. From the enterprise's file to a new inspection record.
        await signIn(page, server, vp, INSPECTOR);
        const enterpriseName = await openOperatingEnterprise(page, vp, REGION, vpIndex);
        await press(page.locator('a#new-inspection'), vp);
        await waitForPath(page, '/inspections/new');
        const form = page.locator('form#inspection-form');
        await form.waitFor();
        assert.ok((await page.locator('#inspection-basics').innerText()).includes(enterpriseName));
        const key = DRAFT_PREFIX + (await form.getAttribute('data-draft-key'));
        const clientKey = await form.locator('input[name=client_key]').inputValue();
        assert.match(clientKey, new RegExp(`^${UUID}$`), 'a new record carries a client key');

        // 2. Part of the form: campaign, kind, place, staff present, two checklist answers.
        const campaign = form.locator('select[name=campaign_id] option[value]:not([value=""])').first();
        const campaignId = await campaign.getAttribute('value');
        await form.locator('select[name=campaign_id]').selectOption(campaignId);
        await form.locator('select[name=kind]').selectOption('special');
        await form.locator('input[name=place]').fill(place);
        await form.locator('textarea[name=staff_present]').fill(staff);
        const items = form.locator('fieldset.check-item');
        assert.ok((await items.count()) >= 2, 'the checklist has items');
        await press(items.nth(0).locator('input[type=radio][value=pass]'), vp);
        await press(items.nth(1).locator('input[type=radio][value=fail]'), vp);
        await items.nth(1).locator('input[name$=".note"]').fill(failNote);
        await press(form.locator('input[name=place]'), vp); // leave the note: its change is saved
        await waitForDeviceCopy(page, key, failNote);
        await waitForDeviceCopy(page, key, place);
        await waitForText(page, '#offline-status', '已保存在本机');

        // 3. The page is reloaded: the form comes back from the device.
        await page.reload({ waitUntil: 'domcontentloaded' });
        await waitForPath(page, '/inspections/new');
        await waitForText(page, '#offline-status', '已恢复本机保存的草稿');
        const restored = page.locator('form#inspection-form');
        assert.equal(await restored.locator('input[name=place]').inputValue(), place, 'place restored');
        assert.equal(await restored.locator('textarea[name=staff_present]').inputValue(), staff, 'staff restored');
        assert.equal(await restored.locator('select[name=kind]').inputValue(), 'special', 'kind restored');
        assert.equal(await restored.locator('select[name=campaign_id]').inputValue(), campaignId, 'campaign restored');
        const again = restored.locator('fieldset.check-item');
        assert.ok(await again.nth(0).locator('input[type=radio][value=pass]').isChecked(), 'first answer restored');
        assert.ok(await again.nth(1).locator('input[type=radio][value=fail]').isChecked(), 'second answer restored');
        assert.equal(await again.nth(1).locator('input[name$=".note"]').inputValue(), failNote, 'note restored');
        assert.equal(await restored.locator('input[name=client_key]').inputValue(), clientKey, 'same client key');

        // 4. The second officer, a finding, the feedback; complete.
        const colleague = restored.locator('#officer-choice label', { hasText: SECOND_OFFICER_NAME });
        await press(colleague.locator('input[name=officers]'), vp);
        assert.ok(await colleague.locator('input[name=officers]').isChecked(), `${SECOND_OFFICER_NAME} ticked`);
        const row = restored.locator('#findings fieldset.finding').first();
        await row.waitFor();
        await row.locator('textarea[name$=".description"]').fill(finding);
        await row.locator('select[name$=".level"]').selectOption('general');
        await restored.locator('textarea[name=feedback]').fill(feedback);
        await submitAndWait(page, restored.locator('button#complete-inspection'), vp);
        await waitForPath(page, INSPECTION_PATH);

        // 5. The completed record, its officers, its finding and the hazard it raised.
        await waitForText(page, '#inspection-status', '已完成');
        const officers = (await page.locator('#inspection-officers').innerText()).trim();
        assert.ok(officers.includes(INSPECTOR_NAME) && officers.includes(SECOND_OFFICER_NAME), `officers: ${officers}`);
        const detail = await page.locator('section#inspection-detail').innerText();
        assert.ok(detail.includes(place), 'the place is recorded');
        assert.ok(detail.includes(enterpriseName), 'the enterprise is named');
        await waitForText(page, 'table#inspection-findings', finding);
        const hazard = page.locator('#inspection-hazards li', { hasText: finding });
        await hazard.waitFor();
        assert.match(await hazard.innerText(), /待整改/, 'the finding is an open hazard');
        assert.equal(
          await page.evaluate((k) => window.localStorage.getItem(k), key),
          null,
          'the device forgets the draft once it has been sent',
        );
        await press(hazard.locator('a[href^="/hazards/"]'), vp);
        await waitForPath(page, HAZARD_PATH);
        await waitForText(page, '#hazard-status', '待整改');
        assert.ok((await page.locator('section#hazard-detail').innerText()).includes(finding));
      });
    });
  });
});
