// The meeting run from the secretary's phone (issue 19), in a real
// browser: a central server and a headless kiosk of the room, both on a
// rehearsal clock at 12.55 on the meeting's day; the secretary drives the
// meeting from the control page (start, next, an unplanned break, resume,
// more time, undo, end) while the kiosk follows each step within a second
// (its `state` command) and the room screen page shows the same; the
// agenda export and the minutes show the actual times. Screenshots of the
// control page (a phone) and the room screen (a TV) go to $SCREENSHOTS.
//
// Started by run.sh, which gives BIN, WORK_DIR and SEED.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import readline from 'node:readline';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`room.mjs: ${name} is not set (start it with tests/browser/run.sh)`);
  return value;
};
const BIN = env('BIN');
const WORK = path.join(env('WORK_DIR'), 'room');
const SEED = env('SEED');
const SHOTS = path.resolve(process.env.SCREENSHOTS || path.join(env('WORK_DIR'), 'screenshots'));
const CLOCK = '2026-06-04 12:55';
const ROOM = 'sal-b';
const KEY = 'SRO-2026-06-04-1300';
const PASSWORD = `anna-${Date.now()}`;
mkdirSync(WORK, { recursive: true });
mkdirSync(SHOTS, { recursive: true });

let passed = 0;
let failed = 0;
const children = [];

async function step(name, body) {
  const t0 = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}`);
    console.log(String(error?.stack || error).replace(/^/gm, '     '));
    throw Object.assign(new Error(`step failed: ${name}`), { told: true });
  }
}

/// A process's output lines as JSON (or text): `line(test, what)` waits
/// (15 s) for one that passes `test`.
function follow(child, parse) {
  const seen = [];
  const waiting = [];
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    const line = parse(text);
    seen.push(line);
    for (const w of waiting.splice(0)) {
      if (w.test(line)) w.resolve(line); else waiting.push(w);
    }
  });
  return {
    seen,
    line(test, what, from = 0) {
      const known = seen.slice(from).find(test);
      if (known) return Promise.resolve(known);
      return new Promise((resolve, reject) => {
        waiting.push({ test, resolve });
        setTimeout(() => reject(new Error(`no ${what} within 15 s; lines: ${JSON.stringify(seen.slice(-5))}`)), 15000);
      });
    },
  };
}

const config = path.join(WORK, 'central.toml');
writeFileSync(config, `[server]\nlisten = "127.0.0.1:0"\ndatabase = "${WORK}/central.sqlite"\n`);
const central = (...args) => execFileSync(BIN, ['central', '--config', config, ...args], {
  encoding: 'utf8', env: { ...process.env, MOTESSKYLT_PASSWORD: PASSWORD },
}).trim();

async function main() {
  central('user', 'anna', '--body', 'SRO');
  central('room', 'add', ROOM, '--name', 'Sal B');
  assert.equal(central('meeting', 'import', SEED, '--room', ROOM), KEY);
  const code = central('code', '--room', ROOM).split('\n')[0];

  const server = spawn(BIN, ['central', '--config', config, '--clock', CLOCK], {
    stdio: ['ignore', 'pipe', openSync(path.join(WORK, 'central.log'), 'w')],
  });
  children.push(server);
  const said = follow(server, (t) => t);
  const listening = await said.line((l) => l.startsWith('motesskylt central lyssnar på'), 'the server\'s address');
  const BASE = listening.split(' ').pop();

  const kioskConfig = path.join(WORK, 'kiosk.toml');
  writeFileSync(kioskConfig, [
    '[kiosk]', `data_dir = "${WORK}/kiosk"`, 'device = "dorr-sal-b"',
    '[reader]', 'kind = "none"',
    '[sync]', `central = "${BASE}"`, `enrol_code = "${code}"`, 'idle_seconds = 60', '',
  ].join('\n'));
  const kioskProcess = spawn(BIN, ['kiosk', '--headless', '--config', kioskConfig, '--clock', CLOCK], {
    stdio: ['pipe', 'pipe', openSync(path.join(WORK, 'kiosk.log'), 'w')],
  });
  children.push(kioskProcess);
  const kiosk = follow(kioskProcess, (t) => JSON.parse(t));
  /// The kiosk's `state` answer.
  const kioskState = async () => {
    const from = kiosk.seen.length;
    kioskProcess.stdin.write('state\n');
    return kiosk.line((l) => l.state !== undefined, 'the kiosk\'s state', from);
  };

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    env: { ...process.env, LANGUAGE: 'sv', LANG: 'sv_SE.UTF-8' },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  children.push({ kill: () => browser.close() });
  const complaints = [];
  const listen = (p) => {
    p.on('pageerror', (e) => complaints.push(`${p.url()}: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) complaints.push(`${p.url()}: ${m.text()}`);
    });
  };
  // A phone for the controls, a TV for the room screen, one session.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'sv-SE', acceptDownloads: true });
  const phone = await context.newPage();
  listen(phone);

  await step('the kiosk of the room is online and holds the meeting', async () => {
    await kiosk.line((l) => l.sync && l.sync.online === true, 'the kiosk online');
    await kiosk.line((l) => (l.meeting && (l.meeting.id === KEY || l.meeting === KEY)), 'the meeting at the door');
  });

  await step('the secretary signs in on her phone and opens the control page', async () => {
    await phone.goto(`${BASE}/login`);
    await phone.fill('#name', 'anna');
    await phone.fill('#password', PASSWORD);
    await Promise.all([phone.waitForURL(`${BASE}/meetings`), phone.getByRole('button', { name: 'Logga in' }).click()]);
    await phone.goto(`${BASE}/meetings/${KEY}/control`);
    assert.equal(await phone.locator('.panel').getAttribute('data-phase'), 'before');
  });

  const tv = await context.newPage();
  listen(tv);
  await tv.setViewportSize({ width: 1920, height: 1080 });
  await tv.goto(`${BASE}/rooms/${ROOM}/screen`);

  /// Presses the button named `name` (after typing `minutes`, when given)
  /// and checks the kiosk, the control page and the room screen agree.
  const press = async (name, minutes, expect) => {
    const from = kiosk.seen.length;
    if (minutes !== undefined) await phone.fill('#minutes-control', String(minutes));
    // Timed from the press leaving the browser: what is measured is the
    // server and the kiosk, not how long the browser takes to click.
    const sent = phone.waitForRequest((r) => r.method() === 'POST').then(() => Date.now());
    await Promise.all([
      phone.waitForURL(`${BASE}/meetings/${KEY}/control`),
      phone.getByRole('button', { name, exact: true }).click(),
    ]);
    const t0 = await sent;
    await kiosk.line((l) => Array.isArray(l.learned) && l.learned.length > 0, `the kiosk learning "${name}"`, from);
    const took = Date.now() - t0;
    const state = (await kioskState()).state;
    console.log(`     "${name}": the kiosk followed in ${took} ms: ${state.phase} ${state.item ? (state.item.number ?? state.item.title) : ''}`);
    assert.ok(took <= 1000, `the kiosk should follow "${name}" within a second (took ${took} ms)`);
    assert.equal(state.phase, expect.phase, `after "${name}" the kiosk should be in ${expect.phase}`);
    if (expect.item !== undefined) assert.equal(state.item?.number ?? null, expect.item, `after "${name}" the kiosk's item`);
    // The room screen and the control page show the same, live.
    await tv.waitForFunction((p) => document.querySelector('.panel')?.dataset.phase === p, expect.phase, { timeout: 3000 });
    await phone.waitForFunction((p) => document.querySelector('.panel')?.dataset.phase === p, expect.phase, { timeout: 3000 });
    if (expect.item) {
      const current = await tv.locator('.panel .current').innerText();
      assert.ok(current.startsWith(`${expect.item} `), `the room screen should show item ${expect.item} (got ${current})`);
    }
    return state;
  };

  let afterBreak;
  await step('start, next, an unplanned break and resume: the kiosk and the room screen follow each', async () => {
    await press('Starta mötet', undefined, { phase: 'item', item: '1' });
    await press('Nästa punkt ▶', undefined, { phase: 'item', item: '2' });
    await press('Nästa punkt ▶', undefined, { phase: 'item', item: '3' });
    await press('Nästa punkt ▶', undefined, { phase: 'item', item: '4' });
    await press('Oplanerad paus', 10, { phase: 'break' });
    assert.match(await tv.locator('.panel .timelabel').innerText(), /kvar|Snart slut/);
    afterBreak = await press('Återuppta', undefined, { phase: 'item', item: '4' });
  });

  await step('more time and undo: the time left moves and comes back', async () => {
    const extended = await press('Mer tid', 5, { phase: 'item', item: '4' });
    assert.ok(extended.remaining_s >= afterBreak.remaining_s + 280, `five minutes more (from ${afterBreak.remaining_s} to ${extended.remaining_s})`);
    const undone = await press('↶ Ångra senaste', undefined, { phase: 'item', item: '4' });
    assert.ok(undone.remaining_s <= afterBreak.remaining_s, `undo takes the five minutes back (${undone.remaining_s})`);
    await phone.screenshot({ path: path.join(SHOTS, 'control.png'), fullPage: true });
  });

  await step('a message to the room shows on the room screen', async () => {
    await phone.fill('#message-control', 'Vi återupptar 14.40');
    const from = kiosk.seen.length;
    await Promise.all([
      phone.waitForURL(`${BASE}/meetings/${KEY}/control`),
      phone.getByRole('button', { name: 'Visa i rummet' }).click(),
    ]);
    await tv.waitForFunction(() => document.querySelector('.roommessage')?.innerText.includes('Vi återupptar 14.40'), null, { timeout: 3000 });
    await kiosk.line((l) => Array.isArray(l.learned) && l.learned.length > 0, 'the kiosk learning the message', from);
    const state = (await kioskState()).state;
    assert.equal(state.message?.text, 'Vi återupptar 14.40', 'the kiosk should have the message');
    await tv.screenshot({ path: path.join(SHOTS, 'room-screen.png') });
  });

  await step('a change made elsewhere is said on the control page in one line; paused, the page neither changes nor speaks', async () => {
    // Another device (its own browser context and connections): the
    // chair's laptop, signed in as the secretary.
    const elsewhere = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'sv-SE' });
    const laptop = await elsewhere.newPage();
    listen(laptop);
    await laptop.goto(`${BASE}/login`);
    await laptop.fill('#name', 'anna');
    await laptop.fill('#password', PASSWORD);
    await Promise.all([laptop.waitForURL(`${BASE}/meetings`), laptop.getByRole('button', { name: 'Logga in' }).click()]);
    await laptop.goto(`${BASE}/meetings/${KEY}/control`);
    const announcer = laptop.locator('[data-announcer]');
    // Pressed on the phone; the kiosk's part is checked by the steps above.
    const next = () => Promise.all([
      phone.waitForURL(`${BASE}/meetings/${KEY}/control`),
      phone.getByRole('button', { name: 'Nästa punkt ▶', exact: true }).click(),
    ]);
    assert.equal(await announcer.textContent(), '', 'nothing said on arrival');
    await next();
    await laptop.waitForFunction(() => document.querySelector('[data-announcer]').textContent !== '', null, { timeout: 3000 });
    const said = await announcer.textContent();
    const current = await laptop.locator('.panel .current').innerText();
    assert.equal(said.split('. ')[0], `Pågår: ${current}`, 'the new item, in one line');
    // The countdown ticks every second: nothing more is said.
    await laptop.waitForTimeout(2500);
    assert.equal(await announcer.textContent(), said, 'the seconds are not said');
    const pause = laptop.getByRole('button', { name: 'Pausa uppdateringen' });
    await pause.click();
    assert.equal(await pause.getAttribute('aria-pressed'), 'true');
    await next();
    await phone.waitForFunction(() => document.querySelector('.panel .current')?.innerText.startsWith('6 '), null, { timeout: 3000 });
    await laptop.waitForTimeout(2000);
    assert.ok((await laptop.locator('.panel .current').innerText()).startsWith('5 '), 'paused: still item 5');
    assert.equal(await announcer.textContent(), said, 'paused: nothing said');
    await pause.click();
    await laptop.waitForFunction(() => document.querySelector('.panel .current')?.innerText.startsWith('6 '), null, { timeout: 3000 });
    assert.match(await announcer.textContent(), /^Pågår: 6 /);
    await elsewhere.close();
  });

  await step('end: the kiosk, the control page and the room screen say the meeting has ended', async () => {
    await press('Avsluta mötet', undefined, { phase: 'after' });
  });

  await step('the agenda export shows the actual times', async () => {
    await phone.goto(`${BASE}/meetings/${KEY}`);
    const agenda = await phone.request.get(`${BASE}/meetings/${KEY}/export/agenda-csv`);
    assert.equal(agenda.status(), 200);
    const text = await agenda.text();
    const first = text.split(/\r?\n/).find((l) => l.startsWith('1;'));
    assert.match(first || '', /12[.:]5[5-9]/, `item 1 should have started at 12.55 (got ${first})`);
    // The unplanned break is a row of its own right after item 4, with
    // its actual start; the planned break stays further down.
    const rows = text.split(/\r?\n/);
    const four = rows.findIndex((l) => l.startsWith('4;'));
    assert.ok(four >= 0, `item 4 should be in the agenda: ${text}`);
    assert.match(rows[four + 1] || '', /Paus.*12[.:]5[5-9]/, `the unplanned break row should have its actual start: ${rows[four + 1]}`);
  });

  await step('no page logged an error', async () => {
    assert.deepEqual(complaints, []);
  });
}

try {
  await main();
} catch (error) {
  if (!error.told) {
    failed += 1;
    console.log(`FAIL ${String(error?.stack || error)}`);
  }
} finally {
  for (const child of children.reverse()) {
    try { await child.kill(); } catch { /* gone */ }
  }
  console.log(`room: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}
