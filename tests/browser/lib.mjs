// Shared by the browser tests: checks printed as "PASS name" or
// "FAIL name: detail" (the shell script turns them into TAP), sign-in,
// navigation, the directory view's "Showing a–b of n", and the two
// widths every page must fit (390 and 1366 px, no horizontal scroll of
// the page, a screenshot of each).
import path from 'node:path';

export const env = (k) => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} not set`);
  return v;
};

let failures = 0;
export function check(name, cond, detail = '') {
  if (cond) {
    console.log(`PASS ${name}`);
  } else {
    failures++;
    console.log(`FAIL ${name}${detail ? ': ' + String(detail).slice(0, 300) : ''}`);
  }
  return cond;
}
export const failed = () => failures;

export async function shot(page, dir, name) {
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

export async function login(page, base, user, password) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', password);
  const [resp] = await Promise.all([
    page.waitForNavigation(),
    page.click('form.login button[type=submit]'),
  ]);
  return resp;
}

// Click and wait for the next page.
export async function submit(page, selector) {
  const [resp] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return resp;
}

export async function showing(page) {
  const t = (await page.textContent('p.showing')) || '';
  const m = t.match(/Showing ([\d,]+)–([\d,]+) of ([\d,]+)/);
  return m ? m.slice(1, 4).map((x) => Number(x.replace(/,/g, ''))) : [0, 0, 0, t];
}

export async function rowUids(page) {
  return page.$$eval('table.people input[name=uid]', (els) => els.map((e) => e.value));
}

export async function fits(page, name) {
  const w = await page.evaluate(() => [document.scrollingElement.scrollWidth, window.innerWidth]);
  check(`${name} at ${w[1]} px: no horizontal scroll of the page`, w[0] <= w[1], `${w[0]} > ${w[1]}`);
}

export async function bothWidths(page, url, dir, name) {
  for (const [w, h] of [[390, 844], [1366, 900]]) {
    await page.setViewportSize({ width: w, height: h });
    if (url) await page.goto(url);
    await fits(page, name);
    await shot(page, dir, `${name}-${w}`);
  }
}
