// The secretary's pages in a real browser (issue #6): sign in, import
// seed 000 by file upload (with an edit in the preview), correct a
// check-in (and see the live board of another page follow), download the
// attendance as CSV and XLSX and check their contents (the XLSX read back
// by openpyxl), the minutes, import the next day's meeting and see a real
// headless kiosk of the room show it at once (issue 18), sign out; then as
// administrator enrol a kiosk and read the audit log. Screenshots go to
// $SCREENSHOTS (docs/web when renewing the docs' pictures) or the work
// directory.
//
// Started by run.sh, which gives BIN, BASE_URL, WORK_DIR, SEED, KIOSK_CODE,
// ANNA_PASSWORD and ADMIN_PASSWORD. Stops at the first failing step, exit
// code 1.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import readline from 'node:readline';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`secretary.mjs: ${name} is not set (start it with tests/browser/run.sh)`);
  return value;
};
const BASE = env('BASE_URL');
const WORK = env('WORK_DIR');
const SEED = env('SEED');
const ANNA = { name: 'anna', password: env('ANNA_PASSWORD') };
const ADMIN = { name: 'admin', password: env('ADMIN_PASSWORD') };
const SHOTS = path.resolve(process.env.SCREENSHOTS || path.join(WORK, 'screenshots'));
const DOWNLOADS = path.join(WORK, 'downloads');
mkdirSync(SHOTS, { recursive: true });
mkdirSync(DOWNLOADS, { recursive: true });

// The meeting's id: its body, date and start when first stored.
const KEY = 'SRO-2026-06-04-1300';
const MEETING = `/meetings/${KEY}`;
const ROOM = 'konferens-1';
// The preview's edit that must survive saving.
const OLD_TITLE = 'Samsjuklighetsreformen';
const NEW_TITLE = 'Samsjuklighetsreformen – planering inför genomförandet';
// The corrections: Helen checked in by hand at 12.55 (shown live on a
// second page), Lars in at 13.00 and out at 14.10.
const HELEN = 'Helen Eliasson';
const LARS = 'Lars Holmin';
const REASON = 'glömde kortet';
const HEADER = 'Namn;Parti;Organisation;Kategori;Närvarande;Första in;Sista ut;Närvaro;Närvarande vid;Källa;Korrigerad;Uppdrag;Tjänstgör för;Jäv;Distans';

const started = Date.now();
let passed = 0;
let failed = 0;
let browser;

/// A headless kiosk (`motesskylt kiosk --headless`) of the room, without a
/// notice, its clock at `clock`: `line(test, what)` waits (15 s) for a line
/// of its output that passes `test`.
function startKiosk(clock) {
  const dir = path.join(WORK, 'kiosk');
  mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'kiosk.toml');
  writeFileSync(config, [
    '[kiosk]', `data_dir = "${dir}/data"`, 'device = "dorr-webbtest"',
    '[reader]', 'kind = "none"',
    '[sync]', `central = "${BASE}"`, `enrol_code = "${env('KIOSK_CODE')}"`, 'idle_seconds = 60', '',
  ].join('\n'));
  const child = spawn(env('BIN'), ['kiosk', '--headless', '--config', config, '--clock', clock], {
    stdio: ['pipe', 'pipe', openSync(path.join(dir, 'kiosk.log'), 'w')],
  });
  const seen = [];
  const waiting = [];
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text);
    seen.push(line);
    for (const w of waiting.splice(0)) {
      if (w.test(line)) w.resolve(line); else waiting.push(w);
    }
  });
  return {
    line(test, what) {
      const known = seen.find(test);
      if (known) return Promise.resolve(known);
      return new Promise((resolve, reject) => {
        const w = { test, resolve };
        waiting.push(w);
        setTimeout(() => reject(new Error(`the kiosk did not show ${what} within 15 s; its lines: ${JSON.stringify(seen)}`)), 15000);
      });
    },
    stop() { child.stdin.end('quit\n'); child.kill(); },
  };
}

/// Runs one step; a failure stops the run unless `goOn` (the checks at
/// the end, which need nothing after them).
async function step(name, body, { goOn = false } = {}) {
  const t0 = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}`);
    console.log(String(error?.stack || error).replace(/^/gm, '     '));
    if (!goOn) throw Object.assign(new Error(`step failed: ${name}`), { told: true });
  }
}

async function shot(page, file, fullPage = true) {
  await page.screenshot({ path: path.join(SHOTS, file), fullPage });
}

/// Semicolon CSV as the exports write it: quoted fields may hold ; " CR LF.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ';') { row.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i += 1; }
    else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

/// The first sheet of an .xlsx as rows of strings, read by openpyxl.
function readXlsx(file) {
  const script = [
    'import json, sys, openpyxl',
    'wb = openpyxl.load_workbook(sys.argv[1], read_only=True)',
    'ws = wb.worksheets[0]',
    'rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]',
    'print(json.dumps({"sheets": wb.sheetnames, "rows": rows}))',
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' }));
}

async function signIn(page, who) {
  await page.goto(`${BASE}/login`);
  await page.fill('#name', who.name);
  await page.fill('#password', who.password);
  await Promise.all([
    page.waitForURL(`${BASE}/meetings`),
    page.getByRole('button', { name: 'Logga in' }).click(),
  ]);
}

async function download(page, label) {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#exports').getByRole('link', { name: label, exact: true }).click(),
  ]);
  const failure = await file.failure();
  assert.equal(failure, null, `the download "${label}" failed: ${failure}`);
  const saved = path.join(DOWNLOADS, file.suggestedFilename());
  await file.saveAs(saved);
  return { name: file.suggestedFilename(), path: saved, bytes: readFileSync(saved) };
}

/// The attendance board's row for `name` (first cell is the name).
const boardRow = (page, name) =>
  page.locator('[data-live$="/board"] table.board tbody tr').filter({ has: page.locator('td:first-child', { hasText: name }) });

async function correct(page, person, direction, time) {
  await page.selectOption('#person', { label: person });
  await page.selectOption('#direction', direction);
  await page.fill('#time', time);
  await page.fill('#reason', REASON);
  await Promise.all([
    page.waitForURL(`${BASE}${MEETING}?done=correction`),
    page.getByRole('button', { name: 'Spara rättelsen' }).click(),
  ]);
}

async function main() {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    // Swedish date and time fields (24-hour clock) where chromium-l10n is
    // installed, as run.sh does when making the docs' screenshots.
    env: { ...process.env, LANGUAGE: 'sv', LANG: 'sv_SE.UTF-8' },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const newContext = () =>
    browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, locale: 'sv-SE' });
  const anna = await newContext();
  const page = await anna.newPage();
  // Anything the browser refuses (CSP, a failed script) or a page that breaks.
  const complaints = [];
  // The refusals this test asks for on purpose, and the browser's own
  // favicon request (the pages name no icon; a 404 there is harmless).
  const expected = new Set(['POST /login 401', 'GET /devices 403', 'GET /favicon.ico 404']);
  const listen = (p) => {
    p.on('console', (m) => {
      // Failed loads are checked below by their answers, not by the console's words.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        complaints.push(`${new URL(p.url()).pathname}: ${m.text().split('. ')[0]}`);
      }
    });
    p.on('pageerror', (e) => complaints.push(`${p.url()}: ${e.message}`));
    p.on('response', (r) => {
      const what = `${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`;
      if (r.status() >= 400 && !expected.has(what)) complaints.push(`${p.url()}: ${what}`);
    });
    p.on('requestfailed', (r) => {
      // A page left while its event stream or a board refresh is under
      // way cancels them (net::ERR_ABORTED): not a fault.
      const why = r.failure()?.errorText;
      if (why !== 'net::ERR_ABORTED') complaints.push(`${p.url()}: ${r.method()} ${r.url()} failed: ${why}`);
    });
  };
  listen(page);

  await step('the sign-in page asks for a name and password; a wrong password is refused', async () => {
    const answer = await page.goto(`${BASE}/meetings`);
    assert.equal(new URL(page.url()).pathname, '/login', 'an unsigned visit to /meetings should end on /login');
    assert.equal(answer.status(), 200, 'the sign-in page should answer 200');
    await assert.doesNotReject(page.locator('#name').waitFor(), 'the sign-in form should have #name');
    await shot(page, 'sign-in.png', false);
    await page.fill('#name', 'anna');
    await page.fill('#password', 'inte-lösenordet');
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForLoadState();
    assert.equal(new URL(page.url()).pathname, '/login', 'a wrong password should stay on /login');
    assert.match(await page.locator('.notice.error').innerText(), /Fel användarnamn eller lösenord/,
      'a wrong password should say "Fel användarnamn eller lösenord"');
  });

  await step('anna signs in and sees no meetings yet', async () => {
    await signIn(page, ANNA);
    assert.equal(await page.locator('h1').innerText(), 'Möten', 'the meetings page should be headed "Möten"');
    assert.match(await page.locator('main').innerText(), /Inga möten ännu/, 'an empty list should say "Inga möten ännu"');
    assert.match(await page.locator('header .who').innerText(), /anna/, 'the header should name the signed-in user');
  });

  await step('import: seed 000 uploaded as a file gives the preview', async () => {
    await Promise.all([
      page.waitForURL(`${BASE}/import`),
      page.locator('main').getByRole('link', { name: 'Importera kallelse' }).click(),
    ]);
    await page.setInputFiles('#notice', SEED);
    await Promise.all([
      page.waitForURL(`${BASE}/import`),
      page.getByRole('button', { name: 'Läs kallelsen' }).click(),
    ]);
    assert.equal(await page.locator('h1').innerText(), 'Granska kallelsen', 'the upload should answer with the preview "Granska kallelsen"');
    assert.equal(await page.locator('#body').inputValue(), 'SRO', 'the preview should read the body SRO');
    assert.equal(await page.locator('#date').inputValue(), '2026-06-04', 'the preview should read the date 2026-06-04');
    assert.equal(await page.locator('#start').inputValue(), '13:00', 'the preview should read the start 13:00');
    assert.equal(await page.locator('#end').inputValue(), '15:30', 'the preview should read the end 15:30');
    assert.match(await page.locator('#location').inputValue(), /Centralhuset Konferens/, 'the preview should read the place');
    const people = await page.locator('input[name^="person."][name$=".name"]').evaluateAll((els) => els.map((e) => e.value));
    for (const name of [HELEN, LARS, 'Rebecca Bretvold', 'Ida Wickström']) {
      assert.ok(people.includes(name), `the preview's participants should include ${name} (got ${people.length}: ${people.join(', ')})`);
    }
    const titles = await page.locator('input[name^="item."][name$=".title"]').evaluateAll((els) => els.map((e) => e.value));
    assert.ok(titles.includes(OLD_TITLE), `the preview's agenda should include "${OLD_TITLE}" (got ${titles.join(' | ')})`);
  });

  await step('import: an edited title in the preview is kept, the room chosen, the meeting saved', async () => {
    const titles = await page.locator('input[name^="item."][name$=".title"]').evaluateAll((els) => els.map((e) => e.value));
    const i = titles.indexOf(OLD_TITLE);
    await page.fill(`input[name="item.${i}.title"]`, NEW_TITLE);
    await page.fill('#room', ROOM);
    await shot(page, 'import-preview.png');
    await Promise.all([
      page.waitForURL(`${BASE}${MEETING}?done=import`),
      page.getByRole('button', { name: 'Spara mötet' }).click(),
    ]);
    assert.match(await page.locator('.notice.ok').innerText(), /Kallelsen är sparad/, 'saving should say "Kallelsen är sparad"');
    const agenda = await page.locator('table.agenda tbody td:nth-child(2)').allInnerTexts();
    assert.ok(agenda.includes(NEW_TITLE), `the saved agenda should carry the edited title "${NEW_TITLE}" (got ${agenda.join(' | ')})`);
    assert.ok(!agenda.includes(OLD_TITLE), `the saved agenda should no longer carry "${OLD_TITLE}"`);
    assert.match(await page.locator('p.sub').first().innerText(), new RegExp(`rum ${ROOM}`), `the meeting should be in room ${ROOM}`);
  });

  await step('the meetings list shows the meeting and links to it', async () => {
    await page.goto(`${BASE}/meetings`);
    const link = page.getByRole('link', { name: '4 juni 2026' });
    assert.equal(await link.getAttribute('href'), MEETING, `the list should link "4 juni 2026" to ${MEETING}`);
    const row = await page.locator('table tbody tr').first().innerText();
    assert.match(row, /SRO/, 'the row should name the body');
    assert.match(row, /13[.:]00.15[.:]30/, 'the row should give the time 13.00–15.30');
    assert.match(row, new RegExp(ROOM), 'the row should give the room');
    await shot(page, 'meetings.png', false);
    await Promise.all([page.waitForURL(`${BASE}${MEETING}`), link.click()]);
    assert.equal((await boardRow(page, HELEN).innerText()).includes('Ej kommit'), true,
      `before any correction ${HELEN} should be "Ej kommit"`);
  });

  await step('the language switch turns the page English and back, staying on it', async () => {
    await Promise.all([page.waitForURL(`${BASE}${MEETING}`), page.getByRole('link', { name: 'English' }).click()]);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en', 'after "English" the page should be lang="en"');
    assert.equal(await page.locator('#correct h2').innerText(), 'Correct attendance', 'the correction form should be in English');
    assert.match(await boardRow(page, HELEN).innerText(), /Not come/, 'the board should say "Not come" in English');
    await Promise.all([page.waitForURL(`${BASE}${MEETING}`), page.getByRole('link', { name: 'Svenska' }).click()]);
    assert.equal(await page.locator('html').getAttribute('lang'), 'sv', 'after "Svenska" the page should be lang="sv" again');
  });

  // `page` stays on the meeting with its live board; the correction is
  // made on a second page and must reach the first through the events.
  let boardCounts = '';
  const second = await anna.newPage();
  listen(second);

  await step('a correction on a second page: saved, told, marked "rättad"', async () => {
    // The live board's stream must be open before the change, so wait
    // for it (the page opened it when it loaded).
    const streaming = page.waitForResponse((r) => r.url().endsWith(`${MEETING}/live`), { timeout: 5000 })
      .catch(() => null);
    await page.reload();
    assert.ok(await streaming, 'the meeting page should open its event stream /live');
    await page.evaluate(() => { window.notReloaded = true; });
    await second.goto(`${BASE}${MEETING}`);
    await correct(second, HELEN, 'in', '12:55');
    assert.match(await second.locator('.notice.ok').innerText(), /Rättelsen är sparad/, 'saving should say "Rättelsen är sparad"');
    const row = await boardRow(second, HELEN).innerText();
    assert.match(row, /Inne\s+sedan 12\.55/, `${HELEN}'s row should say "Inne sedan 12.55" (got ${row})`);
    assert.match(row, /rättad/, `${HELEN}'s row should be marked "rättad" (got ${row})`);
    assert.match(row, /sekreterare/, `${HELEN}'s source should be "sekreterare" (got ${row})`);
  });

  await step('the first page\'s live board follows without a reload', async () => {
    await assert.doesNotReject(
      boardRow(page, HELEN).filter({ hasText: 'rättad' }).waitFor({ timeout: 5000 }),
      `the first page's board should show ${HELEN} corrected within 5 s, through the event stream`,
    );
    assert.match(await boardRow(page, HELEN).innerText(), /Inne\s+sedan 12\.55/, 'the live board should say "Inne sedan 12.55"');
    assert.equal(await page.evaluate(() => window.notReloaded), true, 'the first page should not have been reloaded');
    // Said to a screen reader in one polite line (WCAG 4.1.3).
    const announcer = page.locator('[data-announcer]');
    assert.equal(await announcer.getAttribute('role'), 'status', 'the announcer should be a status region (polite)');
    assert.equal(await announcer.textContent(), `${HELEN} incheckad 12.55`, 'the change should be announced in one line');
    assert.ok(await page.locator('[data-live$="/board"]').getAttribute('data-updated'), 'live.js should have marked the board data-updated');
    boardCounts = await page.locator('[data-live] .counts').innerText();
  });

  await step('a check-in and a check-out by hand make "Gick"; the first page\'s board paused meanwhile, then resumed', async () => {
    const pause = page.getByRole('button', { name: 'Pausa uppdateringen' });
    await pause.click();
    assert.equal(await pause.getAttribute('aria-pressed'), 'true', 'the pause button should say it is pressed');
    await correct(second, LARS, 'in', '13:00');
    await correct(second, LARS, 'out', '14:10');
    await page.waitForTimeout(2000);
    assert.doesNotMatch(await boardRow(page, LARS).innerText(), /Gick/, 'a paused board should not change');
    await pause.click();
    assert.equal(await pause.getAttribute('aria-pressed'), 'false');
    await assert.doesNotReject(
      boardRow(page, LARS).filter({ hasText: 'Gick' }).waitFor({ timeout: 5000 }),
      'the board should catch up once resumed',
    );
    const row = await boardRow(second, LARS).innerText();
    assert.match(row, /Gick\s+14\.10/, `${LARS}'s row should say "Gick 14.10" (got ${row})`);
    assert.match(row, /13\.00.14\.10/, `${LARS}'s row should give the stay 13.00–14.10 (got ${row})`);
    await shot(second, 'meeting.png');
    await second.close();
  });

  let csv;
  await step('the attendance CSV: BOM, semicolons, CRLF, the corrected row', async () => {
    await page.reload();
    const file = await download(page, 'Närvaro (CSV)');
    assert.equal(file.name, `${KEY}-narvaro.csv`, 'the CSV should be named after the meeting');
    assert.deepEqual([...file.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV should start with a UTF-8 byte order mark');
    const text = file.bytes.subarray(3).toString('utf8');
    assert.ok(text.endsWith('\r\n'), 'the CSV should end with CRLF');
    assert.ok(!/[^\r]\n/.test(text), 'every CSV line should end with CRLF (no bare LF)');
    assert.equal(text.split('\r\n')[0], HEADER, 'the CSV header row');
    csv = parseCsv(text);
    const header = csv[0];
    const helen = csv.find((r) => r[0] === HELEN);
    assert.ok(helen, `the CSV should have a row for ${HELEN}`);
    const cell = (row, name) => row[header.indexOf(name)];
    assert.equal(cell(helen, 'Första in'), '12.55', `${HELEN}'s "Första in" should be the correction's 12.55`);
    assert.equal(cell(helen, 'Källa'), 'sekreterare', `${HELEN}'s "Källa" should be "sekreterare"`);
    assert.equal(cell(helen, 'Korrigerad'), 'ja', `${HELEN}'s "Korrigerad" should be "ja"`);
    assert.equal(cell(helen, 'Parti'), 'S', `${HELEN}'s party should be S`);
    const lars = csv.find((r) => r[0] === LARS);
    assert.equal(cell(lars, 'Första in'), '13.00', `${LARS}'s "Första in"`);
    assert.equal(cell(lars, 'Sista ut'), '14.10', `${LARS}'s "Sista ut"`);
    const rebecca = csv.find((r) => r[0] === 'Rebecca Bretvold');
    assert.equal(cell(rebecca, 'Korrigerad'), '', 'someone not corrected should have an empty "Korrigerad"');
    for (const row of csv) assert.equal(row.length, header.length, `every CSV row should have ${header.length} fields: ${row.join(';')}`);
  });

  await step('the attendance XLSX read back by openpyxl holds the same cells', async () => {
    const file = await download(page, 'Närvaro (Excel)');
    assert.equal(file.name, `${KEY}-narvaro.xlsx`, 'the XLSX should be named after the meeting');
    assert.equal(file.bytes.subarray(0, 2).toString('latin1'), 'PK', 'the XLSX should be a zip file');
    const book = readXlsx(file.path);
    const rows = book.rows;
    assert.equal(rows[0].join(';'), HEADER, 'the XLSX header row');
    const helen = rows.find((r) => r[0] === HELEN);
    assert.ok(helen, `the XLSX should have a row for ${HELEN}`);
    assert.equal(helen[rows[0].indexOf('Första in')], '12.55', `${HELEN}'s "Första in" in the XLSX`);
    assert.equal(helen[rows[0].indexOf('Källa')], 'sekreterare', `${HELEN}'s "Källa" in the XLSX`);
    assert.equal(helen[rows[0].indexOf('Korrigerad')], 'ja', `${HELEN}'s "Korrigerad" in the XLSX`);
    assert.deepEqual(rows, csv, 'the XLSX should hold exactly the CSV\'s cells, row by row');
  });

  await step('the minutes paragraph names the corrected person as present', async () => {
    const file = await download(page, 'Protokollstext');
    assert.equal(file.name, `${KEY}-protokoll.txt`, 'the minutes should be named after the meeting');
    const text = file.bytes.toString('utf8');
    const present = text.split(/\r?\n/).find((l) => l.startsWith('Närvarande:'));
    assert.ok(present, `the minutes should have a line "Närvarande: …" (got ${text})`);
    assert.match(present, new RegExp(HELEN), `"Närvarande:" should name ${HELEN} (got ${present})`);
    assert.match(present, new RegExp(LARS), `"Närvarande:" should name ${LARS} (got ${present})`);
  });

  await step('a meeting imported on the pages reaches the room\'s running kiosk at once', async () => {
    // A real headless kiosk of the room, without a notice, on the next
    // day's morning; it checks in with the server only every minute, so
    // what reaches it sooner came by the room's live stream.
    const kiosk = startKiosk('2026-06-05 09:30');
    try {
      await kiosk.line((l) => l.sync && l.sync.online === true, 'online');
      await page.goto(`${BASE}/import`);
      await page.setInputFiles('#notice', SEED);
      await Promise.all([
        page.waitForURL(`${BASE}/import`),
        page.getByRole('button', { name: 'Läs kallelsen' }).click(),
      ]);
      await page.fill('#date', '2026-06-05');
      await page.fill('#start', '09:00');
      await page.fill('#end', '11:30');
      await page.fill('#room', ROOM);
      const saved = Date.now();
      await Promise.all([
        page.waitForURL(`${BASE}/meetings/SRO-2026-06-05-0900?done=import`),
        page.getByRole('button', { name: 'Spara mötet' }).click(),
      ]);
      const shown = await kiosk.line(
        (l) => l.meeting && l.meeting.id === 'SRO-2026-06-05-0900' && l.meeting.door === 'open',
        'the new meeting at the door',
      );
      console.log(`     the kiosk showed it ${Date.now() - saved} ms after the save`);
      assert.equal(shown.meeting.start, '09:00', 'the kiosk should show the imported start');
    } finally {
      kiosk.stop();
    }
  });

  await step('a secretary is refused the administrators\' pages', async () => {
    const answer = await page.goto(`${BASE}/devices`);
    assert.equal(answer.status(), 403, '/devices should answer 403 to a secretary');
    assert.match(await page.locator('main').innerText(), /administratörer/, 'the refusal should say the page is for administrators');
  });

  await step('signing out ends the session', async () => {
    await page.goto(`${BASE}/meetings`);
    await Promise.all([
      page.waitForURL(`${BASE}/login`),
      page.getByRole('button', { name: 'Logga ut' }).click(),
    ]);
    await page.goto(`${BASE}${MEETING}`);
    assert.equal(new URL(page.url()).pathname, '/login', 'after signing out a meeting page should send to /login');
    const answer = await page.request.get(`${BASE}${MEETING}/export/attendance-csv`, { maxRedirects: 0 });
    assert.equal(answer.status(), 303, 'after signing out an export should redirect (303) to sign-in');
    assert.equal(answer.headers().location, '/login', 'after signing out an export should redirect to /login');
  });
  await anna.close();

  const adminContext = await newContext();
  const admin = await adminContext.newPage();
  listen(admin);

  let kioskToken = '';
  await step('the administrator makes a one-time code; a kiosk enrols with it and is listed', async () => {
    await signIn(admin, ADMIN);
    await admin.getByRole('link', { name: 'Kiosker' }).click();
    await admin.waitForURL(`${BASE}/devices`);
    await admin.fill('#room', ROOM);
    await Promise.all([
      admin.waitForURL(`${BASE}/devices/code`),
      admin.getByRole('button', { name: 'Skapa engångskod' }).click(),
    ]);
    const code = (await admin.locator('#code').innerText()).trim();
    assert.ok(code.length >= 6, `the page should show a one-time code (got "${code}")`);
    const enrol = await admin.request.post(`${BASE}/api/v1/enrol`, { data: { code, device: 'kiosk-konferens-1' } });
    assert.equal(enrol.status(), 201, `the kiosk's enrolment with the page's code should succeed: ${await enrol.text()}`);
    const { token, room } = await enrol.json();
    kioskToken = token;
    assert.equal(room, ROOM, 'the code should enrol the kiosk for its room');
    const beat = await admin.request.post(`${BASE}/api/v1/events`, {
      headers: { authorization: `Bearer ${token}` },
      data: { sent: new Date().toISOString(), events: [], pending: 3 },
    });
    assert.equal(beat.status(), 200, `the kiosk's heartbeat should be taken: ${await beat.text()}`);
    await admin.goto(`${BASE}/devices`);
    const row = await admin.locator('table tbody tr', { hasText: 'kiosk-konferens-1' }).innerText();
    assert.match(row, new RegExp(ROOM), `the kiosk should be listed in room ${ROOM} (got ${row})`);
    assert.match(row, /Aktiv/, `the kiosk should be "Aktiv" (got ${row})`);
    const cells = await admin.locator('table tbody tr', { hasText: 'kiosk-konferens-1' }).locator('td').allInnerTexts();
    assert.equal(cells[5], '3', `the kiosk's unsent backlog should show 3 (got ${cells.join(' | ')})`);
    await shot(admin, 'devices.png', false);
  });

  await step('a card registered at the door is listed, and revoking it removes it', async () => {
    const card = 'c0ffee00'.repeat(8);
    const at = new Date(Date.parse('2026-06-04T12:40:00+02:00'));
    const pushed = await admin.request.post(`${BASE}/api/v1/events`, {
      headers: { authorization: `Bearer ${kioskToken}` },
      data: {
        sent: new Date().toISOString(),
        events: [{
          id: '01900000-0000-7000-8000-000000000001',
          device: 'kiosk-konferens-1',
          seq: 1,
          meeting: KEY,
          wall: at.toISOString(),
          mono_ms: 1000,
          boot: 'b',
          clock_synced: true,
          event: { at: '2026-06-04T12:40:00+02:00', type: 'card_enrolled', person: HELEN, card, by: 'pin' },
        }],
        pending: 0,
      },
    });
    assert.equal(pushed.status(), 200, `the kiosk's card registration should be taken: ${await pushed.text()}`);
    await admin.getByRole('link', { name: 'Kort' }).click();
    await admin.waitForURL(`${BASE}/cards`);
    const row = admin.locator('table tbody tr', { hasText: HELEN });
    const text = await row.innerText();
    assert.match(text, /c0ffee00…/, `the card should be listed by a short form of its hash (got ${text})`);
    assert.match(text, /sekreterarens PIN vid dörren/, `who allowed it should be told (got ${text})`);
    await shot(admin, 'cards.png', false);
    await Promise.all([
      admin.waitForURL(`${BASE}/cards`),
      row.getByRole('button', { name: 'Återkalla' }).click(),
    ]);
    assert.equal(await admin.locator('table tbody tr', { hasText: HELEN }).count(), 0,
      'a revoked card should no longer be listed');
  });

  await step('the audit log lists anna\'s import, correction and exports', async () => {
    await admin.goto(`${BASE}/audit`);
    const rows = await admin.locator('table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
    const has = (action, detail) => rows.some(([, who, what, meeting, text]) =>
      who === 'anna' && what === action && meeting === KEY && detail.test(text));
    const seen = rows.map((r) => r.slice(1).join(' / ')).join('\n');
    assert.ok(has('Import', new RegExp(`rummet ${ROOM}`)), `the audit log should list anna's import for ${ROOM}:\n${seen}`);
    assert.ok(has('Rättelse', new RegExp(`${HELEN} incheckad kl\\. 12\\.55; skäl: ${REASON}`)),
      `the audit log should list anna's correction of ${HELEN} with the reason:\n${seen}`);
    assert.ok(has('Rättelse', new RegExp(`${LARS} utcheckad kl\\. 14\\.10`)), `the audit log should list the check-out of ${LARS}:\n${seen}`);
    for (const name of [`${KEY}-narvaro.csv`, `${KEY}-narvaro.xlsx`, `${KEY}-protokoll.txt`]) {
      assert.ok(has('Export', new RegExp(`${name.replace('.', '\\.')} hämtad`)), `the audit log should list the export ${name}:\n${seen}`);
    }
    assert.ok(rows.some(([, who, what]) => who === 'admin' && what === 'Engångskod'), `the audit log should list the one-time code:\n${seen}`);
    await shot(admin, 'audit.png');
  });
  await adminContext.close();

  // The meeting is on 4 June 2026, a day that is over: the board must
  // not take the kiosk's view of today for it.
  await step('a meeting whose day is over is not "not started" nor months behind plan', async () => {
    const today = new Date().toISOString().slice(0, 10);
    assert.ok(today > '2026-06-04', 'this check assumes the seed\'s day is over');
    assert.doesNotMatch(boardCounts, /Mötet har inte börjat/,
      `the board calls a meeting whose day is over "Mötet har inte börjat": ${boardCounts.replace(/\s+/g, ' ')}`);
    const behind = Number((boardCounts.match(/(\d+) min (?:efter|före) plan/) || [0, 0])[1]);
    assert.ok(behind <= 24 * 60,
      `the board says ${behind} min from plan for a meeting months ago: ${boardCounts.replace(/\s+/g, ' ')}`);
  }, { goOn: true });

  // The pages' own Content-Security-Policy refuses inline styles and
  // scripts: the browser must report none.
  await step('no page logged an error or had something refused by its content security policy', async () => {
    const told = [...new Set(complaints)];
    assert.equal(told.length, 0, `the browser reported:\n${told.join('\n')}`);
  }, { goOn: true });
}

try {
  await main();
} catch (error) {
  // A step has said what failed; anything else (the browser would not
  // start) is told here.
  if (!error.told) {
    failed += 1;
    console.log(`FAIL ${String(error?.stack || error)}`);
  }
} finally {
  await browser?.close();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`screenshots in ${SHOTS}; ${seconds} s`);
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}
