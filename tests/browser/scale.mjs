// The admin pages at the size of a large company (test-webadmin-scale.sh):
//   node scale.mjs
// Paging through the root (first, a middle and the last page) and a unit
// of hundreds (every page walked: each person once), a bulk move of 200
// people from a middle page of the root, 1,000 accounts from a CSV (each
// password shown once, the list pages them), a web import changing 1,000
// people and its undo, the pages in Chinese, every page at 390 and
// 1366 px. Prints one line per
// check ("PASS name" / "FAIL name: detail") and the server-side time of
// each page as a comment line; the moved people go to $STATE for the
// shell's own checks.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import { env, check, failed, shot, login, submit, showing, rowUids, bothWidths } from './lib.mjs';

const BASE = env('ADMIN_URL');
const SHOTS = env('SHOT_DIR');
const EVERYONE = Number(env('EVERYONE')); // hidden people included
const UNIT_PEOPLE = Number(env('UNIT_PEOPLE'));
const ACCOUNTS = Number(env('ACCOUNTS')); // from a CSV
const timings = [];

// Go to a page and note how long it took (navigation start to response
// end, as the browser measured it): a figure, never asserted.
async function timed(page, url, what) {
  await page.goto(url);
  const ms = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return n ? Math.round(n.responseEnd - n.requestStart) : -1;
  });
  timings.push([what, ms]);
}

async function paging(page) {
  await timed(page, `${BASE}/units?id=0`, 'root, page 1');
  let [first, last, total] = await showing(page);
  check(`the root shows everyone: the true total (${EVERYONE.toLocaleString('en')})`,
        first === 1 && last === 50 && total === EVERYONE, `${first}-${last} of ${total}`);
  const p1 = await rowUids(page);
  const pages = Math.ceil(EVERYONE / 50);
  const mid = Math.floor(pages / 2);
  await timed(page, `${BASE}/units?id=0&page=${mid}`, `root, page ${mid}`);
  [first, last, total] = await showing(page);
  const pm = await rowUids(page);
  check(`a middle page (${mid} of ${pages}) shows its 50`,
        first === (mid - 1) * 50 + 1 && last === mid * 50 && pm.length === 50 && !pm.some((u) => p1.includes(u)),
        `${first}-${last} of ${total}`);
  await submit(page, 'nav.pager a[rel=next]');
  [first] = await showing(page);
  check('"Next" from there goes on', first === mid * 50 + 1, first);
  await timed(page, `${BASE}/units?id=0&page=${pages}`, `root, last page ${pages}`);
  [first, last, total] = await showing(page);
  check('the last page holds the rest: nobody is out of reach', first === (pages - 1) * 50 + 1 && last === EVERYONE,
        `${first}-${last} of ${total}`);
  await bothWidths(page, `${BASE}/units?id=0&page=${mid}`, SHOTS, 'scale-root-middle');
  // sorted by title, descending, deep in the list
  await timed(page, `${BASE}/units?id=0&sort=title&dir=desc&page=${mid}`, `root by title desc, page ${mid}`);
  [first] = await showing(page);
  check('sorting by title pages too', first === (mid - 1) * 50 + 1, first);

  // a unit deep in the tree: every page walked, each person once
  // (folded away in the tree: followed by its address)
  const href = await page.locator('.treebox a', { hasText: env('UNIT_NAME') }).first().getAttribute('href');
  await timed(page, `${BASE}${href}`, 'a unit nine levels down');
  const unitUrl = page.url();
  [first, last, total] = await showing(page);
  check(`a unit nine levels down shows its whole subtree (${UNIT_PEOPLE})`, total === UNIT_PEOPLE, `${total}`);
  const seen = new Set();
  const upages = Math.ceil(total / 200);
  for (let p = 1; p <= upages; p++) {
    const t0 = Date.now();
    const r = await page.request.get(`${unitUrl}&per=200&page=${p}`);
    if (p === 1) timings.push([`unit of ${total}, 200 a page`, Date.now() - t0]);
    for (const m of (await r.text()).matchAll(/name="uid" value="([^"]+)"/g)) seen.add(m[1]);
  }
  check('walking every page of the unit reaches each person once', seen.size === total, `${seen.size} of ${total}`);
  await bothWidths(page, unitUrl, SHOTS, 'scale-unit');
}

// The same pages in Chinese (the switch, remembered): the true total in
// the Chinese wording, the middle page, the unit, both widths.
async function chinese(page) {
  const pages = Math.ceil(EVERYONE / 50);
  const mid = Math.floor(pages / 2);
  await page.goto(`${BASE}/units?id=0&page=${mid}`);
  await submit(page, 'nav.lang a[lang=zh-CN]');
  const t = (await page.textContent('p.showing')) || '';
  const m = t.match(/第 ([\d,]+)–([\d,]+) 条，共 ([\d,]+) 条/);
  const n = m ? m.slice(1, 4).map((x) => Number(x.replace(/,/g, ''))) : [];
  check('in Chinese the middle page names the same rows and the true total',
        n[0] === (mid - 1) * 50 + 1 && n[2] === EVERYONE, t);
  check('the page is in Chinese', (await page.getAttribute('html', 'lang')) === 'zh-CN');
  await bothWidths(page, null, SHOTS, 'scale-root-zh');
  await page.goto(`${BASE}/accounts?q=scale-`);
  check('the accounts list in Chinese pages them', ((await page.textContent('p.showing')) || '').includes(`共 ${ACCOUNTS.toLocaleString('en')} 条`));
  await bothWidths(page, null, SHOTS, 'scale-accounts-zh');
  await page.goto(`${BASE}/units?id=0`);
  await submit(page, 'nav.lang a[lang=en]');
  check('and back in English', (await page.getAttribute('html', 'lang')) === 'en');
}

async function bulkMove(page) {
  const pages = Math.ceil(EVERYONE / 200);
  const mid = Math.floor(pages / 2);
  await page.setViewportSize({ width: 1366, height: 900 });
  await timed(page, `${BASE}/units?id=0&per=200&page=${mid}`, `root, 200 a page, page ${mid}`);
  const moved = await rowUids(page);
  await page.check('form#bulk input.pick-all');
  check('"All on this page" checks the 200', (await page.locator('form#bulk input[name=uid]:checked').count()) === 200);
  await page.selectOption('form#bulk select[name=unit]', { label: env('MOVE_TO') });
  const t0 = Date.now();
  await submit(page, 'form#bulk button[value=move]');
  timings.push(['bulk move of 200', Date.now() - t0]);
  check('the bulk move reports 200 moved', ((await page.textContent('.notice')) || '').includes('Moved 200 people'),
        await page.textContent('main'));
  const href = await page.locator('.treebox a', { hasText: env('MOVE_TO') }).first().getAttribute('href');
  await page.goto(`${BASE}${href}`);
  const [, , total] = await showing(page);
  const there = await rowUids(page);
  check('the unit now holds exactly the 200', total === 200 && there.every((u) => moved.includes(u)), total);
  return moved;
}

async function accounts(page) {
  const rows = ['login,role'];
  for (let i = 0; i < ACCOUNTS; i++) rows.push(`scale-${String(i).padStart(4, '0')}@big,${i % 50 ? 'user' : 'admin'}`);
  await page.goto(`${BASE}/accounts`);
  await page.setInputFiles('input[name=file][accept=".csv,text/csv"]', {
    name: 'accounts.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n') + '\n'),
  });
  const t0 = Date.now();
  await Promise.all([page.waitForNavigation({ timeout: 600000 }), page.click('button:text("Create accounts")')]);
  timings.push([`${ACCOUNTS} accounts from a CSV`, Date.now() - t0]);
  check(`the account CSV import creates ${ACCOUNTS} accounts`, ((await page.textContent('h1')) || '').includes(`${ACCOUNTS} accounts created`),
        await page.textContent('h1'));
  const pws = await page.$$eval('code.pw', (els) => els.map((e) => e.textContent));
  check(`${ACCOUNTS} passwords shown, all different`, pws.length === ACCOUNTS && new Set(pws).size === ACCOUNTS, pws.length);
  await page.goto(`${BASE}/accounts?q=scale-`);
  const t = (await page.textContent('p.showing')) || '';
  check('the accounts list finds and pages them', t.includes(`Showing 1–${Math.min(50, ACCOUNTS)} of ${ACCOUNTS.toLocaleString('en')}`), t);
  check('and shows no password', !(await page.content()).includes(pws[0]));
  await bothWidths(page, null, SHOTS, 'scale-accounts');
}

async function importUndo(page) {
  await page.goto(`${BASE}/import`);
  await page.setInputFiles('input[name=file]', env('TITLES_CSV'));
  let t0 = Date.now();
  await submit(page, 'form.import button[type=submit]');
  timings.push(['preview of a 1,000-person merge', Date.now() - t0]);
  const counts = (await page.textContent('ul.plan-counts')) || '';
  check('the preview counts 1,000 changes', counts.includes('1000 to change'), counts);
  const plan = (await page.textContent('ul.plan')) || '';
  check('and names the changed field old -> new', plan.includes('title:') && plan.includes('规模测试职位'), plan.slice(0, 200));
  await bothWidths(page, null, SHOTS, 'scale-import-preview');
  await page.setViewportSize({ width: 1366, height: 900 });
  t0 = Date.now();
  await submit(page, 'form[action="/import/apply"] button[type=submit]');
  timings.push(['apply', Date.now() - t0]);
  check('import applied', (await page.textContent('main h1')) === 'Import applied');
  await page.goto(`${BASE}/import`);
  check('the import page offers its undo', (await page.locator('button:text("Undo this import")').count()) === 1);
  t0 = Date.now();
  await submit(page, 'button:text("Undo this import")');
  timings.push(['undo', Date.now() - t0]);
  check('the import is undone', (await page.textContent('main h1')) === 'Import undone', await page.textContent('main'));
  const undone = (await page.textContent('ul.plan-counts')) || '';
  check('1,000 people restored', undone.includes('1000 changed by it, restored'), undone);
  await bothWidths(page, null, SHOTS, 'scale-undone');
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.setDefaultTimeout(Number(process.env.STEP_TIMEOUT || 120000));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await login(page, BASE, env('ADMIN_USER'), env('ADMIN_PASSWORD'));
  await paging(page);
  const moved = await bulkMove(page);
  fs.writeFileSync(env('STATE'), JSON.stringify({ moved }));
  await accounts(page);
  await importUndo(page);
  await chinese(page);
  check('no script errors', errors.length === 0, errors.join(' | '));
  await shot(page, SHOTS, 'scale-last');
  await ctx.close();
} catch (e) {
  check('the browser run finished', false, e.stack || String(e));
} finally {
  await browser.close();
}
for (const [what, ms] of timings) console.log(`${what}: ${ms} ms`);
process.exit(failed() ? 1 : 0);
