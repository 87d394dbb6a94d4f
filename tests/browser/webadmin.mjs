// The admin pages in Debian's headless Chromium, driven by Playwright.
//   node webadmin.mjs PHASE
// PHASE "edit": sign in, create a unit, add a person with a Chinese name
// and a photo (shrunk in the browser), move them to the new unit.
// PHASE "directory": the directory view at 2,300 people: paging through a
// unit with the true total, the "directly here" filter, search with its
// total and the field that matched, a bulk move of 200 people, then 50 of
// them into a sub-unit; every page at 390 and 1366 px without a
// horizontal scroll of the page.
// PHASE "finish": delete that person, import a CSV with one bad row
// (nothing applied), import a good one, accounts from a CSV, an account
// linked to its person, a reset link used once, screenshots of the main
// pages.
// PHASE "languages": a zh-CN browser gets the pages in Chinese, times in
// its zone (UTC in the tooltip), the switch to English is remembered over
// Accept-Language, Chinese pages at both widths.
// PHASE "security": another enterprise sees nothing of this one, a forged
// POST is refused, a stored <script> renders as text, wrong passwords are
// throttled, cookie flags.
// Settings come from the environment (see test-webadmin.sh). Prints one
// line per check: "PASS name" or "FAIL name: detail"; the shell script
// turns them into TAP. State between phases goes through $STATE (JSON).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import * as lib from './lib.mjs';

const { env, check, submit, showing, rowUids, fits } = lib;

const BASE = env('ADMIN_URL');
const SHOTS = env('SHOT_DIR');
const STATE = env('STATE');
const FIX = env('FIXTURES');
const phase = process.argv[2];

function loadState() {
  try { return JSON.parse(fs.readFileSync(STATE, 'utf8')); } catch { return {}; }
}
function saveState(s) { fs.writeFileSync(STATE, JSON.stringify(s)); }

// lib.mjs's helpers with this test's address and screenshot folder
const shot = (page, name) => lib.shot(page, SHOTS, name);
const login = (page, user, password) => lib.login(page, BASE, user, password);
const submitLink = submit; // follow a link and wait for the next page
const bothWidths = (page, url, name) => lib.bothWidths(page, url, SHOTS, name);

async function unitLink(page, name) {
  return page.locator('.treebox a', { hasText: name }).first();
}

async function phaseEdit(browser) {
  const st = {};
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // the one refused save below answers 422 on purpose
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 422/.test(m.text())) errors.push(m.text());
  });

  await page.goto(`${BASE}/units`);
  check('without a session the pages redirect to the sign-in form',
        page.url().endsWith('/login'), page.url());
  await shot(page, '01-login');
  const r = await login(page, env('ADMIN_USER'), env('ADMIN_PASSWORD'));
  check('sign in lands on the directory', r.status() === 200 && page.url().endsWith('/units'),
        `${r.status()} ${page.url()}`);
  check('the enterprise is named in the header',
        (await page.textContent('header .tenant')).includes('Acme'));
  const cookies = await ctx.cookies();
  const c = cookies.find((k) => k.name.includes('orgbook'));
  check('session cookie is HttpOnly, Secure, SameSite=Strict, __Host-',
        c && c.httpOnly && c.secure && c.sameSite === 'Strict' && c.name === '__Host-orgbook',
        JSON.stringify(c));
  await shot(page, '02-directory');

  // a unit under the top level
  await page.click('details.panel summary:has-text("Add a sub-unit")');
  await page.fill('form[action="/unit/add"] input[name=name]', '浏览器测试部');
  await submit(page, 'form[action="/unit/add"] button[type=submit]');
  check('unit created and opened', (await page.textContent('main h1')) === '浏览器测试部',
        await page.textContent('main h1'));
  check('the notice says so', (await page.textContent('.notice')).includes('Unit added'));
  st.unitUrl = page.url();

  // a person with a Chinese name and a photo, first in 总部/总裁办
  await page.goto(`${BASE}/units`);
  await (await unitLink(page, '总裁办')).click();
  await page.waitForLoadState();
  await page.click('a.button:has-text("Add a person")');
  await page.waitForLoadState();
  await page.fill('input[name=family_name]', '欧阳');
  await page.fill('input[name=given_name]', '娜娜');
  await page.fill('input[name=title]', '测试工程师');
  await page.selectOption('select[name="phone_type[0]"]', 'cell');
  await page.fill('input[name="phone[0]"]', '+86 139 0000 7777');
  await page.fill('input[name="email[0]"]', 'ouyang.nana@acme.example');
  await page.setInputFiles('input[name=photo]', path.join(FIX, 'big-photo.png'));
  // the page shrinks the picture before it can be submitted
  await page.waitForFunction(() => document.querySelector('input[name=photo]').dataset.shrunk);
  const shrunk = await page.$eval('input[name=photo]', (el) => Number(el.dataset.shrunk));
  check('the browser shrank the photo under the cap', shrunk > 0 && shrunk <= 262144, shrunk);
  await shot(page, '03-person-form');
  await submit(page, 'form.person button[type=submit]');
  check('person saved', (await page.textContent('.notice')).includes('Saved'),
        await page.textContent('main'));
  check('display name made from family + given', (await page.textContent('main h1')) === '欧阳娜娜');
  check('phonetic name filled in from the Chinese name',
        (await page.inputValue('input[name=phonetic_family]')) === 'ouyang' &&
        (await page.inputValue('input[name=phonetic_given]')) === 'nana',
        (await page.inputValue('input[name=phonetic_family]')) + ' ' +
        (await page.inputValue('input[name=phonetic_given]')));
  st.personUrl = page.url();
  st.uid = new URL(page.url()).searchParams.get('uid');
  const img = page.locator('figure.photo img');
  check('the photo is shown', await img.count() === 1);
  const dims = await img.evaluate((el) => el.complete ? [el.naturalWidth, el.naturalHeight] : [0, 0]);
  check('the stored photo is at most 512 pixels wide', dims[0] > 0 && dims[0] <= 512 && dims[1] <= 512,
        dims.join('x'));
  const photo = await page.request.get(`${BASE}/photo?uid=${encodeURIComponent(st.uid)}`);
  check('the stored photo is a JPEG', photo.headers()['content-type'] === 'image/jpeg',
        photo.headers()['content-type']);
  await shot(page, '04-person');

  // the person form: the uid read-only, the last change and the history
  check('the person form shows the uid read-only',
        (await page.inputValue('input[name=uid]')) === st.uid &&
        (await page.getAttribute('input[name=uid]', 'readonly')) !== null);
  check('the last change names the administrator',
        (await page.textContent('.last-change')).includes(`web:${env('ADMIN_USER')}`),
        await page.textContent('.last-change'));
  // two phone rows more, added with the form's own buttons (no script
  // needed: each posts the form back with one row more, typed text kept)
  await submit(page, 'form.person button.add[value=phone]');
  await submit(page, 'form.person button.add[value=phone]');
  const rows = await page.locator('form.person fieldset.phones .row').count();
  check('"Add a phone" twice gives two rows more, the typed number kept',
        rows === 5 && (await page.inputValue('input[name="phone[0]"]')) === '+86 139 0000 7777', rows);
  await page.selectOption('select[name="phone_type[1]"]', 'work');
  await page.fill('input[name="phone[1]"]', '+86 10 6555 0101');
  await page.selectOption('select[name="phone_type[2]"]', 'fax');
  await page.fill('input[name="phone[2]"]', '+86 10 6555 0102');
  await submit(page, 'form.person button[type=submit]');
  await page.reload();
  const phones = await page.$$eval('form.person fieldset.phones .row', (els) => els.map((r) =>
    `${r.querySelector('select').value} ${r.querySelector('input').value}`).filter((s) => !/ $/.test(s)));
  check('after save and reload the three phones are there, in order, with their types',
        phones.join('|') === 'cell +86 139 0000 7777|work +86 10 6555 0101|fax +86 10 6555 0102',
        phones.join('|'));
  // Remove drops exactly that row (then the save keeps the other two)
  await submit(page, 'form.person button.remove[value="phone[1]"]');
  await submit(page, 'form.person button[type=submit]');
  const left = await page.$$eval('form.person fieldset.phones input[type=tel]', (els) =>
    els.map((e) => e.value).filter((v) => v));
  check('Remove then Save drops exactly that phone',
        left.join('|') === '+86 139 0000 7777|+86 10 6555 0102', left.join('|'));
  const hist = await page.getAttribute('a.history', 'href');
  const h = await page.request.get(`${BASE}${hist}`);
  const htext = await h.text();
  check('the history link lists this person\'s changes only',
        h.status() === 200 && htext.includes('<h1>History: ') && htext.includes('person modify') &&
        !htext.includes('unit add'), h.status());
  // two columns on a desktop, one on a phone, no sideways scroll
  for (const [w, ht] of [[1366, 900], [390, 844]]) {
    await page.setViewportSize({ width: w, height: ht });
    const cols = await page.$$eval('form.person .cols > .col', (els) => els.map((e) => {
      const r = e.getBoundingClientRect();
      return [r.left, r.top];
    }));
    const side = cols.length === 2 && cols[1][0] > cols[0][0] && Math.abs(cols[1][1] - cols[0][1]) < 2;
    check(`the person form at ${w} px: ${w > 720 ? 'two columns' : 'one column'}`,
          w > 720 ? side : cols.length === 2 && cols[1][1] > cols[0][1], JSON.stringify(cols));
    await fits(page, 'the person form');
    await shot(page, `04b-person-form-${w}`);
  }
  await page.setViewportSize({ width: 1280, height: 720 });

  // a validation error shows next to the field, nothing saved
  await page.fill('input[name="email[0]"]', 'not-an-email');
  await page.evaluate(() => { document.querySelector('form.person').noValidate = true; });
  const bad = await submit(page, 'form.person button[type=submit]');
  check('a bad email is refused with 422', bad.status() === 422, bad.status());
  check('the error is shown next to the email field',
        (await page.textContent('fieldset.multi .field-error')).includes('not an email'));
  await shot(page, '05-validation');

  // move: pick the new unit in the person's form
  await page.goto(st.personUrl);
  const opt = await page.locator('select[name=unit] option', { hasText: '浏览器测试部' }).getAttribute('value');
  await page.selectOption('select[name=unit]', opt);
  await submit(page, 'form.person button[type=submit]');
  check('person moved: the crumbs name the new unit',
        (await page.textContent('nav.crumbs')).includes('浏览器测试部'),
        await page.textContent('nav.crumbs'));
  await page.goto(st.unitUrl);
  check('the new unit lists the person',
        (await page.textContent('table.people')).includes('欧阳娜娜'));
  check('no script errors on the pages', errors.length === 0, errors.join(' | '));
  saveState(st);
  await ctx.close();
}


async function phaseDirectory(browser) {
  const st = loadState();
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await login(page, env('ADMIN_USER'), env('ADMIN_PASSWORD'));

  // a unit of the generated directory: its whole subtree, paged
  await (await unitLink(page, '研发中心')).click();
  await page.waitForLoadState();
  const unitUrl = page.url();
  const treeCount = Number((await page.locator('.treebox a[aria-current] + .count').first().textContent()).replace(/,/g, ''));
  let [first, last, total] = await showing(page);
  check('a unit shows the people of its whole subtree, 50 a page, with the true total',
        first === 1 && last === 50 && total === treeCount && total > 300, `${first}-${last} of ${total}, tree ${treeCount}`);
  const page1 = await rowUids(page);
  check('the first page has 50 people', page1.length === 50, page1.length);
  await shot(page, '15-unit-paged');
  await submitLink(page, 'nav.pager a[rel=next]');
  [first, last, total] = await showing(page);
  const page2 = await rowUids(page);
  check('"Next" shows people 51–100 of the same total', first === 51 && last === 100 && total === treeCount,
        `${first}-${last} of ${total}`);
  check('page 2 repeats no one of page 1', page2.length === 50 && !page2.some((u) => page1.includes(u)));
  const pages = Math.ceil(total / 50);
  await submitLink(page, `nav.pager a:text-is("${pages}")`);
  [first, last, total] = await showing(page);
  check('the last page link shows the rest', first === (pages - 1) * 50 + 1 && last === total, `${first}-${last} of ${total}`);
  // every person of the unit is reachable: walk all pages
  const seen = new Set();
  for (let p = 1; p <= pages; p++) {
    const r = await page.request.get(`${unitUrl}&page=${p}`);
    const html = await r.text();
    for (const m of html.matchAll(/name="uid" value="([^"]+)"/g)) seen.add(m[1]);
  }
  check('walking every page reaches each person of the subtree once', seen.size === treeCount, `${seen.size} of ${treeCount}`);
  // sorted by title, stable
  await page.goto(unitUrl);
  await submitLink(page, 'th a.sort:has-text("Title")');
  check('the title column sorts', (await page.getAttribute('th[aria-sort]', 'aria-sort')) === 'ascending' &&
        (await page.textContent('th[aria-sort]')).includes('Title'));
  const titles = await page.$$eval('table.people td[data-label=Title]', (els) => els.map((e) => e.textContent));
  // the store's order: people without a title last, ASCII case ignored
  const key = (t) => [t === '' ? 1 : 0, t.toLowerCase()];
  const sorted = [...titles].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0);
  });
  check('rows come in title order', titles.length === 50 && titles.every((t, i) => t === sorted[i]), titles.slice(0, 5).join('|'));

  // search inside the directory view: total, pages, the field that matched
  await page.goto(`${BASE}/units`);
  await page.fill('form.search input[name=q]', 'zw');
  await submit(page, 'form.search button[type=submit]');
  [first, last, total] = await showing(page);
  const matchText = await page.textContent('p.showing');
  check('a search by pinyin initials reports the true number of matches', first === 1 && total > 0 && /match/.test(matchText), matchText);
  const fields = await page.$$eval('td.match .field', (els) => els.map((e) => e.textContent));
  check('each row names the field that matched (pinyin initials)', fields.length === last && fields.every((f) => f === 'pinyin initials'),
        fields.slice(0, 5).join('|'));
  if (total > 50) {
    await submitLink(page, 'nav.pager a[rel=next]');
    const [f2, , t2] = await showing(page);
    check('search results page like a unit', f2 === 51 && t2 === total, `${f2} of ${t2}`);
  }
  await bothWidths(page, null, '16-search-initials');
  const cell = env('SEARCH_CELL');
  const digits = cell.replace(/^\+86 /, '').replace(/ /g, '');
  await page.goto(`${BASE}/units?q=${encodeURIComponent(digits)}`);
  [first, last, total] = await showing(page);
  const row = page.locator(`table.people tr:has(input[value="${env('SEARCH_UID')}"])`);
  check('a search by mobile digits finds the person', total >= 1 && await row.count() === 1, `${total} ${env('SEARCH_UID')}`);
  const matched = (await row.locator('td.match').textContent()) || '';
  check('and shows the mobile number that matched', matched.includes('mobile') && matched.includes(cell), matched);
  await bothWidths(page, null, '17-search-phone');

  // a bulk move of 200 people into the browser's unit
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.goto(`${BASE}/units?id=0&per=200`);
  const moved = await rowUids(page);
  await page.check('form#bulk input.pick-all');
  check('"All on this page" checks the 200', (await page.locator('form#bulk input[name=uid]:checked').count()) === 200 &&
        (await page.textContent('form#bulk .picked')) === '200 checked');
  await page.selectOption('form#bulk select[name=unit]', { label: '浏览器测试部' });
  await shot(page, '18-bulk-checked');
  await submit(page, 'form#bulk button[value=move]');
  check('the bulk move reports 200 moved', (await page.textContent('.notice')).includes('Moved 200 people'),
        await page.textContent('main'));
  await page.goto(st.unitUrl);
  [first, last, total] = await showing(page);
  check('the unit now holds the 200 and the person moved there before', total === 201, total);
  // 50 of them into a sub-unit: "directly here" tells them apart
  await page.click('details.panel summary:has-text("Add a sub-unit")');
  await page.fill('form[action="/unit/add"] input[name=name]', '子部门');
  await submit(page, 'form[action="/unit/add"] button[type=submit]');
  await page.goto(st.unitUrl);
  await page.check('form#bulk input.pick-all');
  await page.selectOption('form#bulk select[name=unit]', { label: '浏览器测试部/子部门' });
  await submit(page, 'form#bulk button[value=move]');
  check('50 moved into the sub-unit', (await page.textContent('.notice')).includes('Moved 50 people'));
  [first, last, total] = await showing(page);
  check('the whole subtree still counts 201', total === 201, total);
  await submitLink(page, 'p.filter a:has-text("Directly here")');
  [first, last, total] = await showing(page);
  const units = await page.$$eval('table.people td[data-label=Unit]', (els) => els.map((e) => e.textContent));
  check('"Directly here" shows only the 151 left in the unit itself',
        total === 151 && units.every((u) => u === '浏览器测试部'), `${total} ${units.slice(0, 3).join('|')}`);
  await bothWidths(page, null, '19-directly-here');
  st.moved = moved;
  // a bulk delete asks first and lists whom (cancelled here)
  await page.goto(`${st.unitUrl}&direct=1`);
  await page.locator('form#bulk input[name=uid]').nth(0).check();
  await page.locator('form#bulk input[name=uid]').nth(1).check();
  await submit(page, 'form#bulk button[value=delete]');
  check('a bulk delete first asks, naming the count', (await page.textContent('main h1')) === 'Delete 2 people?',
        await page.textContent('main h1'));
  check('and lists the people', (await page.locator('ul.confirm-list li').count()) === 2);
  await bothWidths(page, null, '20-bulk-delete-confirm');
  // the other pages at both widths
  await bothWidths(page, `${BASE}/units`, '21-root');
  await bothWidths(page, unitUrl, '22-unit');
  await bothWidths(page, st.personUrl, '23-person');
  for (const p of ['import', 'export', 'audit', 'devices', 'accounts']) await bothWidths(page, `${BASE}/${p}`, `24-${p}`);
  check('no script errors on the directory pages', errors.length === 0, errors.join(' | '));
  saveState(st);
  await ctx.close();
}

async function importFile(page, file) {
  await page.goto(`${BASE}/import`);
  await page.setInputFiles('input[name=file]', path.join(FIX, file));
  return submit(page, 'form.import button[type=submit]');
}

async function phaseFinish(browser) {
  const st = loadState();
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await ctx.newPage();
  page.on('dialog', (d) => d.accept());
  await login(page, env('ADMIN_USER'), env('ADMIN_PASSWORD'));

  // delete the person: apart from Save, and a page that asks first
  await page.goto(st.personUrl);
  await submit(page, 'section.danger-zone form[action="/person/delete"] button');
  check('Delete asks first on a page naming the person',
        (await page.textContent('main h1')) === 'Delete 欧阳娜娜?' &&
        (await page.request.get(st.personUrl)).status() === 200,
        await page.textContent('main h1'));
  await bothWidths(page, null, '05b-person-delete-confirm');
  await submit(page, 'form.confirm-delete button.danger');
  check('person deleted', (await page.textContent('.notice')).includes('Deleted'));
  const gone = await page.request.get(st.personUrl);
  check('their page is gone', gone.status() === 404, gone.status());

  // a CSV with one bad row: preview shows it, nothing can be applied
  let r = await importFile(page, 'import-bad.csv');
  check('a CSV with a bad row is refused at preview (422)', r.status() === 422, r.status());
  const errs = await page.textContent('ul.import-errors');
  check('the bad row is named by its line and field', /line 3/.test(errs) && /email/i.test(errs), errs);
  check('no apply button for a bad file', await page.locator('form[action="/import/apply"]').count() === 0);
  await shot(page, '06-import-bad');

  // a good CSV: preview lists the plan, apply commits it
  r = await importFile(page, 'import-good.csv');
  check('good CSV previews', r.status() === 200, r.status());
  const plan = await page.textContent('ul.plan');
  check('the preview lists the adds with their names',
        plan.includes('add web-imp-1 张三丰') && plan.includes('add web-imp-2 Grace Lee'), plan);
  check('the preview counts two adds', (await page.textContent('ul.plan-counts')).includes('2 to add'));
  await shot(page, '07-import-preview');
  await submit(page, 'form[action="/import/apply"] button[type=submit]');
  check('import applied', (await page.textContent('main h1')) === 'Import applied');
  check('the result counts two added', (await page.textContent('ul.plan-counts')).includes('2 added'));

  // search finds the imported people by pinyin initials and phone
  await page.goto(`${BASE}/search?q=${encodeURIComponent('zsf')}`);
  check('search by initials finds the imported 张三丰',
        (await page.textContent('main')).includes('张三丰'));
  await page.goto(`${BASE}/search?q=${encodeURIComponent('5550 0199')}`);
  check('search by phone finds Grace Lee', (await page.textContent('main')).includes('Grace Lee'));
  await shot(page, '08-search');

  await page.goto(`${BASE}/audit`);
  const audit = await page.textContent('table.audit');
  check('the audit log names the web administrator and the delete',
        audit.includes(`web:${env('ADMIN_USER')}`) && audit.includes('person delete'), audit.slice(0, 300));
  await shot(page, '09-audit');
  await page.goto(`${BASE}/devices`);
  check('the devices page lists the agent', (await page.textContent('table.devices')).includes('zhang.wei@acme'));
  await shot(page, '10-devices');
  await page.goto(`${BASE}/accounts`);
  const activity = await page.textContent('table.activity');
  check('the accounts page lists the administrator\'s sign-ins',
        activity.includes('sign-in') && activity.includes(env('ADMIN_USER')), activity.slice(0, 200));
  await shot(page, '11-accounts');
  // accounts from a CSV: passwords shown once, the list finds them
  const vp = page.viewportSize();
  await page.setInputFiles('input[name=file][accept=".csv,text/csv"]', {
    name: 'accounts.csv', mimeType: 'text/csv',
    buffer: Buffer.from('login,role,uid\nbrowser1@acme,user,\nbrowser2@acme,admin,\n'),
  });
  await Promise.all([page.waitForNavigation(), page.click('button:text("Create accounts")')]);
  const created = await page.textContent('h1');
  const pws = await page.$$eval('code.pw', (els) => els.map((e) => e.textContent));
  check('the account CSV import creates both accounts', created.includes('2 accounts created'), created);
  check('each new account shows a 16-character password, once',
        pws.length === 2 && pws.every((p) => p.length === 16) && pws[0] !== pws[1], JSON.stringify(pws.length));
  const href = await page.getAttribute('a[download]', 'href');
  check('the passwords are offered as a login,password CSV',
        href.startsWith('data:text/csv') && decodeURIComponent(href).includes(`browser1@acme,${pws[0]}`), href.slice(0, 60));
  await bothWidths(page, null, '11-accounts-created');
  await page.goto(`${BASE}/accounts?q=browser`);
  const showing = await page.textContent('p.showing');
  check('the accounts search finds the imported accounts', showing.includes('Showing 1–2 of 2'), showing);
  check('the accounts list shows no password', !(await page.content()).includes(pws[0]));
  await bothWidths(page, null, '11-accounts-search');
  await page.setViewportSize(vp);
  // link an account to its person by uid; a bad uid is named
  await page.fill('tr:has-text("browser1@acme") input[name=uid]', 'demo-000010');
  await Promise.all([page.waitForNavigation(), page.click('tr:has-text("browser1@acme") button:text("Link")')]);
  const linked = await page.getAttribute('tr:has-text("browser1@acme") td[data-label=Person] a', 'href').catch(() => '');
  check('the accounts list links the account to its person', linked === '/person?uid=demo-000010', linked);
  await page.goto(`${BASE}/accounts?q=browser`);
  await page.fill('tr:has-text("browser2@acme") input[name=uid]', 'no-such-uid');
  await Promise.all([page.waitForNavigation(), page.click('tr:has-text("browser2@acme") button:text("Link")')]);
  const linkErr = await page.textContent('main');
  check('a bad uid is refused and named', linkErr.includes('no person with uid "no-such-uid"'), linkErr.slice(0, 200));
  // a reset link, shown once, opened without a session, used once
  await page.goto(`${BASE}/accounts?q=browser`);
  await Promise.all([page.waitForNavigation(), page.click('tr:has-text("browser2@acme") button:text("Reset link")')]);
  const resetUrl = (await page.textContent('code.reset-link')).trim();
  check('the reset link is shown once', /\/reset\?token=[0-9a-f]{64}$/.test(resetUrl), resetUrl);
  const anon = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
  await anon.goto(resetUrl);
  check('the reset link opens the form without a session', (await anon.textContent('h1')) === 'Set a password');
  await bothWidths(anon, null, '11-reset-form');
  await anon.fill('input[name=password]', 'browser2-new-pw');
  await anon.fill('input[name=password2]', 'browser2-new-pw');
  await Promise.all([anon.waitForNavigation(), anon.click('button:text("Set password")')]);
  check('the reset form sets the password', (await anon.textContent('h1')) === 'Password set');
  await anon.goto(resetUrl);
  const usedText = await anon.textContent('main');
  check('a used reset link is refused', usedText.includes('invalid or has expired'), usedText.slice(0, 200));
  await login(anon, 'browser2@acme', 'browser2-new-pw');
  check('the new password signs in', anon.url().endsWith('/units'), anon.url());
  await page.goto(`${BASE}/accounts?q=browser&sort=last-login&desc=1`);
  const firstRow = await page.textContent('table.accounts tbody tr');
  check('the accounts list sorts by last sign-in', firstRow.includes('browser2@acme') && !firstRow.includes('never'), firstRow.slice(0, 200));
  await bothWidths(page, null, '11-accounts-linked');
  await page.setViewportSize(vp);
  await page.goto(`${BASE}/export`);
  await shot(page, '12-export');
  const dl = await page.request.get(`${BASE}/export/file?format=vcf30`);
  const vcf = await dl.text();
  check('the .vcf export has the imported people', dl.status() === 200 && vcf.includes('FN:张三丰'), dl.status());
  // the JSON export chosen in the page's form, imported back in replace
  // mode: it has everyone (hidden people too), so nothing changes
  await page.selectOption('select[name=format]', 'json');
  const [jdl] = await Promise.all([
    page.waitForEvent('download'),
    page.click('form[action="/export/file"] button[type=submit]'),
  ]);
  const jpath = path.join(SHOTS, 'export.json');
  await jdl.saveAs(jpath);
  const doc = JSON.parse(fs.readFileSync(jpath, 'utf8'));
  check('the Export page downloads JSON with the imported people and the units',
        jdl.suggestedFilename().endsWith('.json') && Array.isArray(doc.units) && doc.units.length > 0 &&
        doc.people.some((x) => x.uid === 'web-imp-1' && x.family_name === '张'),
        `${jdl.suggestedFilename()} ${JSON.stringify(doc).slice(0, 200)}`);
  await page.goto(`${BASE}/import`);
  await page.setInputFiles('input[name=file]', jpath);
  await page.check('input[name=mode][value=replace]');
  r = await submit(page, 'form.import button[type=submit]');
  const back = (await page.$$eval('ul.plan-counts li', (li) => li.map((x) => x.textContent))).join(' ');
  check('that JSON imports back in replace mode changing nothing',
        r.status() === 200 && ['to add', 'to change', 'to delete'].every((w) => new RegExp(`(^|\\D)0 ${w}`).test(back)),
        `${r.status()} ${back}`);
  // a phone-sized screen still shows the directory
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${BASE}/units`);
  const treeBox = await page.locator('.treebox').boundingBox();
  check('on a phone screen the tree fits the width', treeBox && treeBox.width <= 390, JSON.stringify(treeBox));
  await shot(page, '13-phone');
  await ctx.close();
}

async function phaseSecurity(browser) {
  const st = loadState();
  // enterprise B's administrator
  const ctxB = await browser.newContext({ ignoreHTTPSErrors: true });
  const b = await ctxB.newPage();
  await login(b, env('B_USER'), env('B_PASSWORD'));
  check('B signs in', b.url().endsWith('/units'), b.url());
  const tree = await b.textContent('.treebox');
  check("B's tree has none of A's units", !tree.includes('总部') && !tree.includes('浏览器测试部'), tree.slice(0, 200));
  await b.goto(`${BASE}/search?q=${encodeURIComponent('张')}`);
  check("B's search finds none of A's people", (await b.textContent('main')).includes('No one matches'));
  const aUnit = new URL(st.unitUrl).searchParams.get('id');
  let r = await b.request.get(`${BASE}/units?id=${aUnit}`);
  check("A's unit page is 404 for B", r.status() === 404, r.status());
  r = await b.request.get(`${BASE}/person?uid=web-imp-1`);
  check("A's person page is 404 for B", r.status() === 404, r.status());
  r = await b.request.get(`${BASE}/photo?uid=demo-000001`);
  check("A's photo is 404 for B", r.status() === 404, r.status());
  const csrfB = await b.getAttribute('input[name=csrf]', 'value');
  r = await b.request.post(`${BASE}/person/delete`, { form: { csrf: csrfB, uid: 'web-imp-1' } });
  check("B cannot delete A's person", r.status() === 404, r.status());
  await ctxB.close();

  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await ctx.newPage();
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  await login(page, env('ADMIN_USER'), env('ADMIN_PASSWORD'));
  // forged POSTs: no token, a wrong token, a foreign Origin
  r = await page.request.post(`${BASE}/unit/add`, { form: { parent: '0', name: 'forged-unit' } });
  check('a POST without the CSRF token is refused (403)', r.status() === 403, r.status());
  r = await page.request.post(`${BASE}/unit/add`, { form: { csrf: 'x'.repeat(64), parent: '0', name: 'forged-unit' } });
  check('a POST with a wrong CSRF token is refused (403)', r.status() === 403, r.status());
  const csrf = await page.getAttribute('input[name=csrf]', 'value');
  r = await page.request.post(`${BASE}/unit/add`, {
    form: { csrf, parent: '0', name: 'forged-unit' },
    headers: { Origin: 'https://evil.example' },
  });
  check('a POST from another origin is refused (403)', r.status() === 403, r.status());
  await page.goto(`${BASE}/units`);
  check('no forged unit exists', !(await page.textContent('.treebox')).includes('forged-unit'));

  // a stored <script> is text
  await page.goto(`${BASE}/person/new?unit=0`);
  await page.fill('input[name=display_name]', '<script>window.__owned=1</script><img src=x onerror="window.__owned=2">');
  await page.fill('input[name=title]', '"><b>bold</b>');
  await submit(page, 'form.person button[type=submit]');
  const h1 = await page.textContent('main h1');
  check('the stored markup shows as text', h1.includes('<script>window.__owned=1</script>'), h1);
  await page.goto(`${BASE}/search?q=${encodeURIComponent('__owned')}`);
  check('it shows as text in the search results too',
        (await page.textContent('table.people')).includes('<script>'));
  check('no script ran, no dialog opened',
        (await page.evaluate(() => window.__owned)) === undefined && dialogs === 0);
  check('no <b> element was made from the title', await page.locator('table.people b').count() === 0);
  const headers = (await page.request.get(`${BASE}/units`)).headers();
  check('pages carry a Content-Security-Policy without inline script',
        /script-src 'self'/.test(headers['content-security-policy'] || '') &&
        !/unsafe-inline/.test(headers['content-security-policy'] || ''),
        headers['content-security-policy']);
  check('pages may not be framed', headers['x-frame-options'] === 'DENY');

  // logout ends the session server-side: the old cookie is dead
  const before = (await ctx.cookies()).find((k) => k.name === '__Host-orgbook');
  await submit(page, 'form.logout button');
  check('logout returns to the sign-in form', page.url().endsWith('/login'));
  const ctx2 = await browser.newContext({ ignoreHTTPSErrors: true });
  await ctx2.addCookies([before]);
  const p2 = await ctx2.newPage();
  await p2.goto(`${BASE}/units`);
  check('the old session cookie no longer opens the pages', p2.url().endsWith('/login'), p2.url());
  await ctx2.close();

  // wrong passwords are throttled
  let last;
  for (let i = 0; i < 7; i++) last = await login(page, env('THROTTLE_USER'), 'wrong-password-' + i);
  check('after repeated wrong passwords sign-in is throttled (429)', last.status() === 429, last.status());
  check('the page says how long to wait', /Too many failed sign-ins\. Try again in \d+ seconds/.test(await page.textContent('.error')),
        await page.textContent('.error'));
  check('the 429 carries Retry-After', Number(last.headers()['retry-after']) > 0, last.headers()['retry-after']);
  last = await login(page, env('THROTTLE_USER'), env('THROTTLE_PASSWORD'));
  check('even the right password is refused while throttled', last.status() === 429, last.status());
  await shot(page, '14-throttled');
  await ctx.close();
}

async function phaseLanguages(browser) {
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${BASE}/login`);
  check('a zh-CN browser gets the sign-in page in Chinese',
        (await page.getAttribute('html', 'lang')) === 'zh-CN' &&
        (await page.textContent('main h1')) === '登录',
        `${await page.getAttribute('html', 'lang')} ${await page.textContent('main h1')}`);
  await shot(page, '20-login-zh');
  await login(page, env('ADMIN_USER'), env('ADMIN_PASSWORD'));
  const nav = await page.textContent('header nav');
  check('the navigation is in Chinese', nav.includes('通讯录') && nav.includes('审计日志') &&
        !nav.includes('Audit log'), nav);
  await page.goto(`${BASE}/audit`);
  const t = page.locator('main time').first();
  const title = await t.getAttribute('title');
  const shown = await t.textContent();
  check("times show in the browser's zone, UTC in the tooltip",
        / UTC$/.test(title) && / UTC\+08:00$/.test(shown), `${shown} / ${title}`);
  const dt = await t.getAttribute('datetime');
  const utcMin = Math.floor(Date.parse(dt) / 60000);
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d)/.exec(shown);
  const localMin = m ? Date.UTC(m[1], m[2] - 1, m[3], m[4], m[5]) / 60000 : NaN;
  check('the shown time is the UTC one plus eight hours', localMin - utcMin === 480,
        `${shown} vs ${dt}`);
  // the server renders in the offset it was told (here 0: UTC); the
  // page's script shows each time in the browser's zone at its date
  await ctx.addCookies([{ name: 'ob_tz', value: '0', url: BASE }]);
  const raw = await (await page.request.get(`${BASE}/audit`)).text();
  await page.goto(`${BASE}/audit`);
  const shown2 = await page.locator('main time').first().textContent();
  check('the script shows times in the browser zone whatever the server assumed',
        / UTC<\/time>/.test(raw) && / UTC\+08:00$/.test(shown2), shown2);
  await bothWidths(page, `${BASE}/audit`, '21-audit-zh');
  await bothWidths(page, `${BASE}/import`, '22-import-zh');
  await page.setViewportSize({ width: 1366, height: 900 });
  await submitLink(page, 'nav.lang a[hreflang=en]');
  check('the switch to English comes back to the same page in English',
        page.url().endsWith('/import') && (await page.getAttribute('html', 'lang')) === 'en' &&
        (await page.textContent('main h1')) === 'Import people',
        `${page.url()} ${await page.textContent('main h1')}`);
  await page.goto(`${BASE}/audit`);
  check('the choice is remembered over the Accept-Language', (await page.textContent('main h1')) === 'Audit log',
        await page.textContent('main h1'));
  await submitLink(page, 'nav.lang a[hreflang=zh-CN]');
  check('and switching back to 中文 works', (await page.textContent('main h1')) === '审计日志',
        await page.textContent('main h1'));
  check('no script errors on the Chinese pages', errors.length === 0, errors.join(' | '));
  await ctx.close();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  if (phase === 'edit') await phaseEdit(browser);
  else if (phase === 'directory') await phaseDirectory(browser);
  else if (phase === 'finish') await phaseFinish(browser);
  else if (phase === 'languages') await phaseLanguages(browser);
  else if (phase === 'security') await phaseSecurity(browser);
  else throw new Error(`unknown phase ${phase}`);
} catch (e) {
  check(`${phase} phase stopped`, false, String(e.stack || e).split('\n').slice(0, 3).join(' / '));
} finally {
  await browser.close();
}
process.exit(lib.failed() ? 1 : 0);
