// Journey 6: a county officer (ncx.officer, 南昌县, no second factor) imports a CSV of
// enterprises with one bad credit code: the job page shows 2 inserted and an error
// table naming row 4 / field uscc, whose CSV report downloads. The fixed file then
// inserts 1 and leaves 2 unchanged; the same file once more changes nothing and says
// so. The enterprise list finds all three by a two-character word of their names, and
// the enterprise file shows the code, the basic facts, the import in its history and
// a masked contact phone.
//
// The viewports share one server, so each uses its own credit codes and its own
// two-character word (the demo's generated enterprises use neither).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ACTION_TIMEOUT_MS, TEST_TIMEOUT_MS, VIEWPORTS,
  press, signIn, submitAndWait, waitForPath, withPage, withServerAndBrowser,
} from '../lib/browser.mjs';

const OFFICER = 'ncx.officer';
const REGION = '360121';
/** How long one import may take to reach a final status. */
const IMPORT_TIMEOUT_MS = 60_000;
/** Per viewport: a two-character word that only this journey's names contain. */
const SEARCH_TERMS = { desktop: '泓澄', phone: '霁澜' };
const CONTACT_PHONE = '13900001111';
const IMPORT_PATH = /^\/imports\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ENTERPRISE_PATH = /^\/enterprises\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const FINAL_STATUSES = ['done', 'failed', 'refused'];

// ---------------------------------------------------------------- GB 32100 credit codes

/** Code characters in check-value order (GB 32100: no I, O, S, V, Z). */
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11714 check character of an 8-character organisation body (A=10 … Z=35). */
function organisationCheck(body) {
  assert.equal(body.length, 8, `organisation body ${body} must have 8 characters`);
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const v = parseInt(body[i], 36);
    assert.ok(Number.isInteger(v), `bad organisation character ${body[i]}`);
    sum += v * ORG_WEIGHTS[i];
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** GB 32100 check character (position 18) of the first 17 characters. */
function usccCheck(first17) {
  assert.equal(first17.length, 17, `${first17} must have 17 characters`);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_ALPHABET.indexOf(first17[i]);
    assert.ok(v >= 0, `bad code character ${first17[i]}`);
    sum += v * USCC_WEIGHTS[i];
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

/** A valid code: "91" (enterprise, AMR) + region + body + both check characters. */
function makeUscc(region, body) {
  const first17 = `91${region}${body}${organisationCheck(body)}`;
  return first17 + usccCheck(first17);
}

/** The same code with a different (wrong) final check character. */
function withWrongCheck(code) {
  const right = code[17];
  const wrong = USCC_ALPHABET[(USCC_ALPHABET.indexOf(right) + 1) % USCC_ALPHABET.length];
  return code.slice(0, 17) + wrong;
}

/** n random code characters (all of them are also valid GB 11714 characters). */
function randomCodeChars(n) {
  let s = '';
  for (let i = 0; i < n; i++) s += USCC_ALPHABET[Math.floor(Math.random() * USCC_ALPHABET.length)];
  return s;
}

// ---------------------------------------------------------------- the import file

const HEADER =
  '统一社会信用代码,企业名称,法定代表人,地址,行政区划代码,规模,状态,经营类型,产品类别,联系人,联系人电话';

/** Three enterprises of 南昌县 whose names share `term`; codes unique to this viewport. */
function plannedRows(vpIndex, term) {
  // Body: "MA" + viewport digit + 3 random characters + "E" + row digit → 8 characters.
  const random = randomCodeChars(3);
  const names = [`南昌县${term}电缆有限公司`, `南昌县${term}消防器材厂`, `南昌县${term}电器开关厂`];
  const reps = ['王建国', '赵晓梅', '钱立新'];
  return names.map((name, i) => ({
    uscc: makeUscc(REGION, `MA${vpIndex}${random}E${i + 1}`),
    name,
    legalRepresentative: reps[i],
    address: `江西省南昌市南昌县莲塘镇工业大道${101 + i}号`,
  }));
}

function csvOf(rows) {
  const lines = rows.map((r) =>
    [r.uscc, r.name, r.legalRepresentative, r.address, REGION, '小型', '在营', '生产', '04.01', '李四', CONTACT_PHONE]
      .join(','),
  );
  return `${HEADER}\n${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- page steps

/**
 * Uploads `file` through form#import-form, lands on /imports/<id> and waits (through the
 * page's 2-second refreshes) until the job has a final status; asserts it is "done".
 */
async function importFile(page, vp, file) {
  await page.goto('/imports');
  const form = page.locator('form#import-form');
  await form.waitFor();
  await form.locator('input[name=file]').setInputFiles(file);
  await submitAndWait(page, form.locator('button[type=submit], input[type=submit]').first(), vp);
  await waitForPath(page, IMPORT_PATH);
  const final = page.locator(
    FINAL_STATUSES.map((s) => `#import-status[data-status="${s}"]`).join(', '),
  );
  try {
    await final.waitFor({ state: 'attached', timeout: IMPORT_TIMEOUT_MS });
  } catch (err) {
    const seen = await page.locator('#import-status').getAttribute('data-status').catch(() => null);
    err.message = `import did not finish within ${IMPORT_TIMEOUT_MS / 1000} s (status ${seen})\n${err.message}`;
    throw err;
  }
  const status = await page.locator('#import-status').getAttribute('data-status');
  const message = await page.locator('#job-message').innerText().catch(() => '(no #job-message)');
  assert.equal(status, 'done', `import ended "${status}": ${message}`);
  return {
    path: new URL(page.url()).pathname,
    counts: (await page.locator('#job-counts').innerText()).trim(),
    message: message.trim(),
  };
}

/** Asserts "新增 N" etc. as whole numbers (so "新增 2" does not match "新增 21"). */
function assertCount(counts, label, n) {
  assert.match(counts, new RegExp(`${label}\\s*${n}(?!\\d)`), `#job-counts "${counts}" should say ${label} ${n}`);
}

describe('import enterprises, fix the error report, find them by name', () => {
  let server;
  let browser;
  let workDir;

  withServerAndBrowser((s, b) => {
    [server, browser] = [s, b];
  });

  before(() => {
    workDir = mkdtempSync(join(tmpdir(), 'touchstone-e2e-import-'));
  });

  after(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('GB 32100 / GB 11714 check characters of known codes', () => {
    for (const known of ['91520000214434146R', '914403001922038216']) {
      assert.equal(organisationCheck(known.slice(8, 16)), known[16], `organisation check of ${known}`);
      assert.equal(usccCheck(known.slice(0, 17)), known[17], `check character of ${known}`);
      assert.equal(makeUscc(known.slice(2, 8), known.slice(8, 16)), known);
      assert.notEqual(withWrongCheck(known), known);
    }
  });

  VIEWPORTS.forEach((vp, vpIndex) => {
    test(`${vp.name}: ncx.officer imports, fixes the bad row, re-imports and finds the enterprises`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const term = SEARCH_TERMS[vp.name];
      assert.ok(term, `no search term for viewport ${vp.name}`);
      const rows = plannedRows(vpIndex, term);
      const badCode = withWrongCheck(rows[2].uscc);
      const withError = join(workDir, `enterprises-${vp.name}-with-error.csv`);
      const fixed = join(workDir, `enterprises-${vp.name}-fixed.csv`);
      writeFileSync(withError, csvOf([rows[0], rows[1], { ...rows[2], uscc: badCode }]), 'utf8');
      writeFileSync(fixed, csvOf(rows), 'utf8');

      await withPage(browser, server, vp, 'enterprise-import', async (page) => {
        await signIn(page, server, vp, OFFICER);

        // 1. The file with one wrong check character: 2 inserted, row 4 reported.
        const first = await importFile(page, vp, withError);
        assertCount(first.counts, '新增', 2);
        assertCount(first.counts, '错误', 1);
        const errorRows = page.locator('table#import-errors tbody tr');
        assert.equal(await errorRows.count(), 1, 'one row in table#import-errors');
        const cells = (await errorRows.first().locator('td').allInnerTexts()).map((s) => s.trim());
        assert.equal(cells[0], '4', `error row number (header is line 1): ${JSON.stringify(cells)}`);
        assert.equal(cells[1], 'uscc', `error field: ${JSON.stringify(cells)}`);
        assert.ok(cells[2]?.includes(badCode), `error value should be ${badCode}: ${JSON.stringify(cells)}`);

        const link = page.locator('a#download-errors');
        await link.waitFor({ state: 'visible' });
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: ACTION_TIMEOUT_MS }),
          press(link, vp),
        ]);
        assert.match(download.suggestedFilename(), /\.csv$/i, 'the error report is a .csv file');
        const reportPath = await download.path();
        assert.ok(reportPath, `download failed: ${await download.failure()}`);
        const report = readFileSync(reportPath, 'utf8');
        assert.ok(report.includes('uscc'), `error report should name the field uscc:\n${report}`);
        assert.ok(report.includes(badCode), `error report should show the bad code ${badCode}:\n${report}`);

        // 2. The fixed file: the corrected row is added, the other two are unchanged.
        const second = await importFile(page, vp, fixed);
        assert.notEqual(second.path, first.path, 'a new import job');
        assertCount(second.counts, '新增', 1);
        assertCount(second.counts, '未变', 2);
        assertCount(second.counts, '错误', 0);
        assert.equal(await page.locator('table#import-errors').count(), 0, 'no error table after the fix');
        assert.equal(await page.locator('a#download-errors').count(), 0, 'no error report after the fix');

        // 3. The same file again changes nothing, and the job says so.
        const third = await importFile(page, vp, fixed);
        assertCount(third.counts, '新增', 0);
        assertCount(third.counts, '未变', 3);
        assert.ok(third.message.includes('nothing changed'), `#job-message "${third.message}"`);
        assert.equal(await page.locator('table#import-errors').count(), 0, 'no error table on a repeat');

        // 4. The list finds all three by the two-character word.
        await page.goto('/enterprises');
        const filter = page.locator('form#filter-form');
        await filter.locator('input[name=q]').fill(term);
        await Promise.all([
          page.waitForURL((u) => u.pathname === '/enterprises' && u.searchParams.get('q') === term, {
            waitUntil: 'domcontentloaded',
          }),
          press(filter.locator('button[type=submit]'), vp),
        ]);
        const listRows = page.locator('table#enterprises-table tbody tr');
        await listRows.first().waitFor({ state: 'attached' });
        const texts = await listRows.allInnerTexts();
        assert.equal(texts.length, 3, `three enterprises match "${term}": ${JSON.stringify(texts)}`);
        for (const r of rows) {
          assert.ok(
            texts.some((t) => t.includes(r.name) && t.includes(r.uscc)),
            `${r.name} ${r.uscc} is listed: ${JSON.stringify(texts)}`,
          );
        }

        // 5. The first result's file: code, basic facts, import history, masked phones.
        const firstLink = listRows.first().locator('a[href^="/enterprises/"]').first();
        const firstName = (await firstLink.innerText()).trim();
        const expected = rows.find((r) => r.name === firstName);
        assert.ok(expected, `first result "${firstName}" is one of this journey's enterprises`);
        await press(firstLink, vp);
        await waitForPath(page, ENTERPRISE_PATH);
        assert.equal((await page.locator('#enterprise-uscc').innerText()).trim(), expected.uscc);
        const basic = page.locator('section#enterprise-basic');
        await basic.waitFor({ state: 'visible' });
        assert.ok((await basic.innerText()).includes(expected.legalRepresentative), 'legal representative shown');
        const history = (await page.locator('section#enterprise-history').innerText()).trim();
        assert.ok(history.includes('批量导入'), `history should show the import: ${history}`);
        const repPhone = (await page.locator('#legal-rep-phone').innerText()).trim();
        assert.ok(repPhone === '—' || repPhone.includes('****'), `#legal-rep-phone "${repPhone}" is masked or absent`);
        const contactPhones = await page.locator('section#enterprise-contacts .phone').allInnerTexts();
        assert.ok(contactPhones.length > 0, 'the contact from the file is shown');
        for (const p of contactPhones) assert.ok(p.includes('****'), `contact phone "${p}" is masked`);
        assert.ok(!(await page.content()).includes(CONTACT_PHONE), 'the full contact phone is not in the page');
      });
    });
  });
});
