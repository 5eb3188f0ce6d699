// WCAG 2.1 AA on every page (issue 24), after secretary.mjs has left a
// meeting with check-ins and corrections in the store: axe-core (the
// WCAG 2.1 A and AA rules) on every page and the room screen, signed out,
// as the secretary and as the administrator, in Swedish and in English;
// and no page scrolls sideways at 320 CSS pixels (400 % zoom, 1.4.10);
// the pages only a form leads to (the import's preview, a kiosk's code, a
// new token, an error page, the remote participant's link); then sign-in
// → the meeting → a correction by the keyboard alone, and refused forms
// (sign-in, an upload that is no notice, the preview, a correction, rooms,
// kiosks, a token) with their errors tied to their fields.
// Every finding is listed before the script fails (exit code 1).
//
// Started by run.sh, which gives BASE_URL, ANNA_PASSWORD, ADMIN_PASSWORD.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`a11y.mjs: ${name} is not set (start it with tests/browser/run.sh)`);
  return value;
};
const BASE = env('BASE_URL');
const ANNA = { name: 'anna', password: env('ANNA_PASSWORD') };
const ADMIN = { name: 'admin', password: env('ADMIN_PASSWORD') };
const SEED = env('SEED');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const MEETING = '/meetings/SRO-2026-06-04-1300';
const ROOM = 'konferens-1';

// Who sees which pages.
const PAGES = {
  'signed out': ['/login'],
  anna: ['/meetings', MEETING, `${MEETING}/control`, '/import', '/cards'],
  admin: ['/devices', '/rooms', `/rooms/${ROOM}`, '/audit', `/rooms/${ROOM}/screen`],
};

const findings = [];
let checked = 0;

async function signIn(page, who) {
  await page.goto(`${BASE}/login`);
  await page.fill('#name', who.name);
  await page.fill('#password', who.password);
  await Promise.all([page.waitForURL(`${BASE}/meetings`), page.locator('form button[type=submit]').first().click()]);
}

/// axe-core's WCAG 2.1 A/AA violations on the page now shown.
async function axe(page, where) {
  await page.evaluate(AXE);
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), RULES);
  for (const v of result.violations) {
    const nodes = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
    findings.push(`${where}: ${v.id} (${v.impact}): ${v.help} — ${nodes}`);
  }
}

/// Whether the page scrolls sideways at 320 CSS pixels, and what sticks
/// out (the outermost elements past the edge that are not inside a
/// container scrolling on its own, as a data table's may: 1.4.10 allows it).
async function reflow(page, where) {
  const { scroll, width, out } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const name = (e) => e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '') + [...e.classList].map((c) => `.${c}`).join('');
    const past = (e) => e.getBoundingClientRect().right > width + 1;
    const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
    const out = [...document.body.querySelectorAll('*')]
      .filter((e) => past(e) && !(e.parentElement && past(e.parentElement)))
      .filter((e) => { for (let p = e.parentElement; p; p = p.parentElement) if (scrolls(p)) return false; return true; })
      .slice(0, 3)
      .map((e) => `${name(e)} ${Math.round(e.getBoundingClientRect().right)} px`);
    return { scroll: document.documentElement.scrollWidth, width, out };
  });
  if (scroll > width) findings.push(`${where}: scrolls sideways at 320 px (${scroll} px wide: ${out.join(', ')})`);
}

/// Presses Tab (at most 60 times) until the focus is on what `matches`
/// (run in the page on document.activeElement) accepts; false if never.
async function tabTo(page, matches) {
  for (let i = 0; i < 60; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(matches)) return true;
  }
  return false;
}

/// Sign-in → the meeting → a correction, by the keyboard alone: Tab,
/// typing and Enter, no click.
async function keyboardWalk(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const step = async (what, work) => {
    if (!(await work())) findings.push(`keyboard: ${what}`);
  };
  await page.goto(`${BASE}/lang/sv`);
  await page.goto(`${BASE}/login`);
  await step('the name field has the focus, or Tab reaches it', async () =>
    (await page.evaluate(() => document.activeElement.id === 'name')) || tabTo(page, () => document.activeElement.id === 'name'));
  await page.keyboard.type(ANNA.name);
  await page.keyboard.press('Tab');
  await page.keyboard.type(ANNA.password);
  await Promise.all([page.waitForURL(`${BASE}/meetings`), page.keyboard.press('Enter')]);
  await step('the first Tab on a page reaches "Till innehållet", which skips the menu', async () => {
    await page.keyboard.press('Tab');
    if (!(await page.evaluate(() => document.activeElement.matches('a.skip')))) return false;
    await page.keyboard.press('Enter');
    return page.evaluate(() => document.activeElement.id === 'main');
  });
  await step('Tab reaches the meeting of 4 June', () =>
    tabTo(page, () => document.activeElement.getAttribute('href') === '/meetings/SRO-2026-06-04-1300'));
  await Promise.all([page.waitForURL(`${BASE}${MEETING}`), page.keyboard.press('Enter')]);
  await step('Tab reaches the correction\'s person', () => tabTo(page, () => document.activeElement.id === 'person'));
  await page.keyboard.type('Dan Nyberg');
  await step('typing chose Dan Nyberg', () => page.evaluate(() => document.activeElement.value === 'Dan Nyberg'));
  await step('Tab reaches the time', () => tabTo(page, () => document.activeElement.id === 'time'));
  await page.keyboard.press('Control+A');
  await page.keyboard.type('13:20');
  await step('Tab reaches the reason', () => tabTo(page, () => document.activeElement.id === 'reason'));
  await page.keyboard.type('kom via bakdörren');
  await step('Tab reaches "Spara rättelsen"', () =>
    tabTo(page, () => document.activeElement.textContent.trim() === 'Spara rättelsen'));
  await Promise.all([page.waitForURL(`${BASE}${MEETING}?done=correction`), page.keyboard.press('Enter')]);
  await step('after saving, the focus is on "Rättelsen är sparad"', () =>
    page.evaluate(() => document.activeElement.textContent.startsWith('Rättelsen är sparad')));
  await step('the saved correction shows on the board', async () =>
    (await page.locator('tr[data-person="Dan Nyberg"]').getAttribute('data-announce')) === 'Dan Nyberg incheckad 13.20');
  // The board changes under a keyboard user's focus: it stays where it was.
  // Narrow enough that the board's table scrolls, so its region is a tab stop.
  await page.setViewportSize({ width: 400, height: 900 });
  const board = page.locator('[data-live$="/board"] .scroll').last();
  await page.waitForFunction(() => {
    const all = document.querySelectorAll('[data-live$="/board"] .scroll');
    return all[all.length - 1].getAttribute('tabindex') === '0';
  });
  await board.focus();
  const other = await context.newPage();
  await other.goto(`${BASE}${MEETING}`);
  await other.selectOption('#person', { label: 'Ulf Olsson' });
  await other.fill('#time', '13:30');
  await other.fill('#reason', 'kom sent');
  await Promise.all([other.waitForURL(`${BASE}${MEETING}?done=correction`), other.getByRole('button', { name: 'Spara rättelsen' }).click()]);
  await step('the board followed the change, and the focus stayed on its table', async () => {
    await page.locator('tr[data-person="Ulf Olsson"][data-announce="Ulf Olsson incheckad 13.30"]').waitFor({ timeout: 5000 });
    return page.evaluate(() => document.activeElement.matches('[data-live$="/board"] .scroll'));
  });
  await step('the change was said in one line', async () =>
    (await page.locator('[data-announcer]').textContent()) === 'Ulf Olsson incheckad 13.30');
  await context.close();
}

/// A refused form comes back with what was typed, the reason above it
/// taking the focus, and the fields pointing to it (3.3.1, 3.3.3); axe
/// checks the page as it is then.
async function refusals(browser) {
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/lang/sv`);
  const tied = async (where, field) => {
    // The browser moves the focus to an autofocus element at its next
    // rendering after the load: wait for that (2 s at most).
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'problem', null, { timeout: 2000 }).catch(() => {});
    const focused = await page.evaluate(() => document.activeElement.id);
    if (focused !== 'problem') findings.push(`${where}: the focus is on "${focused}", not on the problem`);
    // The field is marked, its description is a line of the summary, and
    // that line links back to a field of the form.
    const attrs = await page.evaluate((id) => {
      const f = document.getElementById(id);
      const lines = (f.getAttribute('aria-describedby') || '').split(' ').map((l) => document.getElementById(l));
      const inSummary = lines.length > 0 && lines.every((l) => l && l.closest('#problem') && l.textContent.trim() !== '');
      const link = lines[0] && lines[0].getAttribute('href');
      return [f.getAttribute('aria-invalid'), inSummary, link && document.getElementById(link.slice(1)) !== null];
    }, field);
    if (attrs[0] !== 'true' || !attrs[1] || attrs[2] === false) findings.push(`${where}: #${field} has aria-invalid=${attrs[0]}, described by the summary: ${attrs[1]}, the line links to a field: ${attrs[2]}`);
    await axe(page, where);
  };
  await page.goto(`${BASE}/login`);
  await page.fill('#name', 'anna');
  await page.fill('#password', 'inte-lösenordet');
  await page.locator('form button[type=submit]').click();
  await page.waitForLoadState();
  await tied('a refused sign-in', 'password');
  await signIn(page, ANNA);
  await page.goto(`${BASE}/import`);
  const nonsense = path.join(mkdtempSync(path.join(tmpdir(), 'a11y-')), 'inkopslista.txt');
  writeFileSync(nonsense, 'Mjölk\nBröd\nOst\n');
  await page.setInputFiles('#notice', nonsense);
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator('main form button[type=submit]').click()]);
  await page.waitForLoadState();
  await tied('a file that is no notice', 'notice');
  // The preview refuses a deputy for someone not in the list.
  await page.goto(`${BASE}/import`);
  await page.setInputFiles('#notice', SEED);
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator('main form button[type=submit]').click()]);
  await page.waitForLoadState();
  const deputy = await page.locator('input[name$=".for"]').first().getAttribute('id');
  await page.fill(`[id="${deputy}"]`, 'Ingen Alls');
  await page.fill('#room', 'konferens-1');
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Spara mötet' }).click()]);
  await page.waitForLoadState();
  await tied('a refused preview', deputy);
  if ((await page.inputValue(`[id="${deputy}"]`)) !== 'Ingen Alls') findings.push('a refused preview: what was typed is gone');
  // A correction at a time that does not exist.
  await page.goto(`${BASE}${MEETING}`);
  await page.selectOption('#person', { label: 'Ulf Olsson' });
  await page.fill('#time', '25:99');
  await page.fill('#reason', 'fel klocka');
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Spara rättelsen' }).click()]);
  await page.waitForLoadState();
  await tied('a refused correction', 'time');
  await page.context().clearCookies();
  await page.goto(`${BASE}/lang/sv`);
  await signIn(page, ADMIN);
  for (const form of ['/rooms', '/devices']) {
    await page.goto(`${BASE}${form}`);
    const long = 'ett-rum-med-ett-alldeles-for-langt-namn-som-ingen-kan-lasa-pa-en-skylt';
    await page.fill('#room', long);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.locator('form.inline button[type=submit]').click(),
    ]);
    await page.waitForLoadState();
    const where = `a refused room name on ${form}`;
    if (answer.status() !== 422) findings.push(`${where}: answered ${answer.status()}, not 422 with the form`);
    if ((await page.inputValue('#room')) !== long) findings.push(`${where}: what was typed is gone`);
    await tied(where, 'room');
  }
  // A token named with spaces only (the browser's `required` lets it by).
  await page.goto(`${BASE}/rooms/${ROOM}`);
  await page.fill('#token-name', '   ');
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Skapa' }).click(),
  ]);
  await page.waitForLoadState();
  if (answer.status() !== 422) findings.push(`a refused token name: answered ${answer.status()}, not 422 with the form`);
  await tied('a refused token name', 'token-name');
  await context.close();
}

/// The pages a form or a link leads to (not reachable by an address
/// alone), in Swedish and English: axe on each, and no sideways scroll at
/// 320 px (the window is narrow before the form is sent, so the answer
/// is not sent twice).
async function formPages(browser) {
  for (const lang of ['sv', 'en']) {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 320, height: 640 } });
    const page = await context.newPage();
    const check = async (where) => {
      const said = await page.getAttribute('html', 'lang');
      if (said !== lang) findings.push(`${where}: <html lang="${said}">`);
      await axe(page, where);
      await reflow(page, where);
      checked += 1;
    };
    await page.goto(`${BASE}/lang/${lang}`);
    await signIn(page, ANNA);
    await page.goto(`${BASE}/import`);
    await page.setInputFiles('#notice', SEED);
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator('main form button[type=submit]').click()]);
    await page.waitForLoadState();
    await check(`the import's preview (anna, ${lang})`);
    const missing = await page.goto(`${BASE}/meetings/finns-inte`);
    if (missing.status() !== 404) findings.push(`an error page (${lang}): answered ${missing.status()}`);
    await check(`an error page (anna, ${lang})`);
    await page.goto(`${BASE}${MEETING}`);
    const remote = await page.locator('#remote-links a').first().getAttribute('href');
    await page.context().clearCookies();
    await page.goto(`${BASE}/lang/${lang}`);
    await page.goto(`${BASE}${remote}`);
    await check(`a remote participant's link (signed out, ${lang})`);
    await signIn(page, ADMIN);
    await page.goto(`${BASE}/devices`);
    await page.fill('#room', ROOM);
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator('form.inline button[type=submit]').click()]);
    await page.waitForLoadState();
    await check(`a kiosk's one-time code (admin, ${lang})`);
    await page.goto(`${BASE}/rooms/${ROOM}`);
    await page.fill('#token-name', `Tv ${lang}`);
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator('form.inline button[type=submit]').last().click()]);
    await page.waitForLoadState();
    if (!(await page.evaluate(() => document.activeElement.matches('section[role=status]')))) findings.push(`a new token (${lang}): the focus is not on it`);
    await check(`a new token (admin, ${lang})`);
    await context.close();
  }
}

/// A table's region is a tab stop where it scrolls sideways and only there.
async function scrollStops(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/lang/sv`);
  await signIn(page, ANNA);
  const stops = () => page.evaluate(() => [...document.querySelectorAll('.scroll[role=region]')].map((s) =>
    [s.scrollWidth > s.clientWidth + 1, s.getAttribute('tabindex') === '0']));
  const wide = await stops();
  if (wide.length === 0) findings.push('tab stops: /meetings has no table region');
  if (wide.some(([over, stop]) => over !== stop)) findings.push(`tab stops at 1280 px: ${JSON.stringify(wide)} ([overflows, is a stop])`);
  if (!wide.some(([over]) => !over)) findings.push('tab stops: no region fits at 1280 px; the check checks nothing');
  await page.setViewportSize({ width: 320, height: 640 });
  await page.waitForFunction(() => [...document.querySelectorAll('.scroll[role=region]')].some((s) => s.getAttribute('tabindex') === '0'));
  const narrow = await stops();
  if (narrow.some(([over, stop]) => over !== stop)) findings.push(`tab stops at 320 px: ${JSON.stringify(narrow)}`);
  await context.close();
}

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    for (const [who, paths] of Object.entries(PAGES)) {
      for (const lang of ['sv', 'en']) {
        // axe is put in through the debugger: the pages' CSP allows no
        // script but their own, rightly.
        const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        await page.goto(`${BASE}/lang/${lang}`);
        if (who === 'anna') await signIn(page, ANNA);
        if (who === 'admin') await signIn(page, ADMIN);
        for (const path of paths) {
          const where = `${path} (${who}, ${lang})`;
          const answer = await page.goto(`${BASE}${path}`);
          if (answer.status() !== 200) {
            findings.push(`${where}: answered ${answer.status()}`);
            continue;
          }
          const said = await page.getAttribute('html', 'lang');
          if (said !== lang) findings.push(`${where}: <html lang="${said}">`);
          await axe(page, where);
          await page.setViewportSize({ width: 320, height: 640 });
          await page.goto(`${BASE}${path}`);
          await reflow(page, where);
          await page.setViewportSize({ width: 1280, height: 900 });
          checked += 1;
        }
        await context.close();
      }
    }
    await formPages(browser);
    await scrollStops(browser);
    await keyboardWalk(browser);
    await refusals(browser);
  } finally {
    await browser.close();
  }
  for (const finding of findings) console.log(`not ok  ${finding}`);
  console.log(`a11y.mjs: ${checked} pages checked (axe-core ${RULES.join(', ')}; 320 px), ${findings.length} findings`);
  if (findings.length > 0) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
