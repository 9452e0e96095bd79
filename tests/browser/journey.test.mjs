// The citizen's journey in a real browser: Debian's chromium driven by playwright-core on a
// 360×740 touch screen, against the real hailong server on a random port with a fresh SQLite
// database. A missing browser fails the run: it is never skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const bin = process.env.HAILONG_BIN ?? join(repo, 'target', 'debug', 'hailong');
const artifacts = process.env.HAILONG_ARTIFACTS ?? join(repo, 'target', 'browser-artifacts');
mkdirSync(artifacts, { recursive: true });
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const chromiumPath = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();

const dir = mkdtempSync(join(tmpdir(), 'hailong-browser-'));
const db = `sqlite://${join(dir, 'hailong.db')}`;
let server, origin, browser, token, adminPassword;

function cli(...args) {
  return execFileSync(bin, ['--database-url', db, ...args], { encoding: 'utf8', cwd: repo });
}

before(async () => {
  // The demo district: 12 units and a year of synthetic responses, so the report is full.
  server = spawn(bin, ['--database-url', db, 'serve', '--demo', '--bind', '127.0.0.1:0', '--rate-limit', 'off', '--kiosk-idle', '5', '--kiosk-interval', '0', '--chromium', 'off'], { cwd: repo });
  // Drain the server's log: a full pipe would block the server once many requests are logged.
  server.stderr.resume();
  origin = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const pw = out.match(/change it\.\n(\S+)\n/);
      if (pw) adminPassword = pw[1];
      const m = out.match(/listening on port (\d+)/);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    server.on('exit', (c) => reject(new Error(`hailong exited with ${c}: ${out}`)));
    setTimeout(() => reject(new Error('hailong did not start')), 60000);
  });
  token = cli('tokens', 'create', 'mot-cua').trim().split('\n').pop();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

async function phone(opts = {}) {
  return browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2, ...opts });
}

async function answerAll(page, score = '4', skip = []) {
  const names = await page.$$eval('fieldset .s input[type=radio]', (els) => [...new Set(els.map((e) => e.name))]);
  for (const name of names) {
    if (skip.includes(name)) continue;
    await page.tap(`label:has(> input[name="${name}"][value="${score}"])`);
  }
  return names;
}

/** Signs the admin in (after the first password change) and waits for the dashboard. */
async function signInAsAdmin(page) {
  await page.goto(`${origin}/login`);
  await page.fill('#u', 'admin');
  await page.fill('#p', adminPassword);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/staff$/);
}

async function axe(page, label) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const found = result.violations.map((v) => `${v.id}: ${v.nodes.length} × ${v.help} (${v.nodes[0]?.target})`);
  assert.deepEqual(found, [], `${label}: axe found ${found.join('; ')}`);
}

test('the poster QR scans to the form, which is answered by tapping and thanks the citizen', async () => {
  const png = Buffer.from(await (await fetch(`${origin}/units/phuong-an-lac/qr.png`)).arrayBuffer());
  writeFileSync(join(dir, 'poster.png'), png);
  const url = execFileSync('zbarimg', ['--quiet', '--raw', join(dir, 'poster.png')], { encoding: 'utf8' }).trim();
  assert.equal(url, `${origin}/s/phuong-an-lac`);
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  const requests = [];
  page.on('requestfinished', async (r) => requests.push(r));
  await page.goto(url);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  await axe(page, 'form');
  // A phone widens its layout when content overflows: the form must fit the 360 px screen.
  const [formWidth, layoutWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(formWidth <= 360 && layoutWidth <= 360, `the form is ${formWidth} px wide (layout ${layoutWidth} px)`);
  // Weight: everything the page loads, as transferred.
  let bytes = 0;
  for (const r of requests) {
    assert.ok(r.url().startsWith(origin), `no request leaves the origin: ${r.url()}`);
    const s = await r.sizes();
    bytes += s.responseBodySize + s.responseHeadersSize;
  }
  assert.ok(bytes <= 30 * 1024, `the form weighs ${bytes} bytes`);
  // Touch targets of at least 44×44 CSS px.
  const small = await page.$$eval('label, button', (els) => els.map((e) => e.getBoundingClientRect()).filter((r) => r.width < 44 || r.height < 44).length);
  assert.equal(small, 0, 'every tap target is at least 44×44');
  const names = await answerAll(page, '4');
  assert.equal(names.length, 23, '22 criteria and the overall question');
  await page.tap('label:has(> input[name="channel"][value="online_full"])');
  await page.tap('button[type=submit]');
  await page.waitForURL(/\/thanks/);
  assert.match(await page.textContent('h1'), /Cảm ơn/);
  await axe(page, 'thank-you page');
  await page.screenshot({ path: join(artifacts, 'thanks-360.png') });
  await ctx.close();
});

/** Everything a page loaded, as transferred, after checking nothing left the origin. */
async function weight(requests) {
  let bytes = 0;
  for (const r of requests) {
    assert.ok(r.url().startsWith(origin), `no request leaves the origin: ${r.url()}`);
    const s = await r.sizes();
    bytes += s.responseBodySize + s.responseHeadersSize;
  }
  return bytes;
}

test('a citizen sends feedback on a phone and follows it by its code; both pages pass axe and fit 360 px', async () => {
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  let requests = [];
  page.on('requestfinished', (r) => requests.push(r));
  await page.goto(`${origin}/feedback/phuong-an-lac`);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  assert.match(await page.textContent('h1'), /Gửi phản ánh, kiến nghị/);
  await axe(page, 'feedback page');
  let [w, lw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w <= 360 && lw <= 360, `the feedback page is ${w} px wide`);
  let bytes = await weight(requests);
  assert.ok(bytes <= 30 * 1024, `the feedback page weighs ${bytes} bytes`);
  const small = await page.$$eval('.c label, button, select, input.f', (els) => els.map((e) => e.getBoundingClientRect()).filter((r) => r.width < 44 || r.height < 44).length);
  assert.equal(small, 0, 'every tap target is at least 44×44');
  // An empty text is refused with a message tied to the field.
  await page.tap('button[type=submit]');
  await page.waitForSelector('.sum');
  await axe(page, 'feedback page with an error');
  await page.fill('#text', 'Xin cho hỏi thời gian trả kết quả đăng ký khai sinh. Số của tôi 0912 345 678.');
  await page.fill('#contact', '0912 345 678');
  await page.tap('.c label');
  requests = [];
  await page.tap('button[type=submit]');
  await page.waitForURL(/\/feedback\/track\//);
  await page.waitForLoadState('load');
  assert.match(await page.textContent('h1'), /Theo dõi phản ánh/);
  assert.ok(!(await page.content()).includes('345 678'), 'the tracking page never shows the contact');
  await axe(page, 'tracking page');
  [w, lw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w <= 360 && lw <= 360, `the tracking page is ${w} px wide`);
  bytes = await weight(requests.filter((r) => r.url().includes('/feedback/track/')));
  assert.ok(bytes <= 30 * 1024, `the tracking page weighs ${bytes} bytes`);
  await page.screenshot({ path: join(artifacts, 'feedback-track-360.png'), fullPage: true });
  await page.goto(`${origin}/units/phuong-an-lac/feedback?lang=en`);
  await axe(page, 'published replies');
  await ctx.close();
  // The desk sheet: the latest replies and the QR code on one A4 page.
  const print = await browser.newContext({ bypassCSP: true });
  const sheet = await print.newPage();
  await sheet.goto(`${origin}/units/phuong-an-lac/feedback/print`);
  await axe(sheet, 'desk sheet');
  const pdf = await sheet.pdf({ format: 'A4', printBackground: true });
  writeFileSync(join(artifacts, 'feedback-sheet.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, `the desk sheet prints on ${pages} pages`);
  await print.close();
});

test('a visitor finds the published report, a unit\'s replies and their feedback from the front page, at 360 and 1280 px', async () => {
  // A feedback item of our own, to follow by its code from the front page's box.
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(`${origin}/feedback/phuong-binh-tan`);
  await page.fill('#text', 'Đề nghị bố trí thêm ghế chờ ở Bộ phận Một cửa.');
  await page.tap('.c label');
  await page.tap('button[type=submit]');
  await page.waitForURL(/\/feedback\/track\//);
  const code = page.url().match(/\/feedback\/track\/([0-9A-Z]+)/)[1];

  let requests = [];
  page.on('requestfinished', (r) => requests.push(r));
  await page.goto(`${origin}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  assert.match(await page.textContent('h1'), /Khảo sát sự hài lòng/);
  await axe(page, 'front page');
  const [w, lw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w <= 360 && lw <= 360, `the front page is ${w} px wide`);
  const bytes = await weight(requests);
  assert.ok(bytes <= 30 * 1024, `the front page weighs ${bytes} bytes`);
  await page.screenshot({ path: join(artifacts, 'front-360.png'), fullPage: true });
  // The demo publishes every finished quarter but the last: 2026-Q2 is the headline.
  assert.match(await page.textContent('#latest + p'), /Quý 2\/2026/);
  await Promise.all([page.waitForURL(/\/reports\/2026-Q2$/), page.tap('a.btn[href="/reports/2026-Q2"]')]);
  assert.match(await page.textContent('h1'), /KẾT QUẢ KHẢO SÁT|Kết quả khảo sát/i);
  assert.ok((await page.content()).includes('property="og:title"'), 'a link preview');
  await page.goBack();
  await Promise.all([page.waitForURL(/\/units\/phuong-an-lac\/feedback$/), page.tap('a[href="/units/phuong-an-lac/feedback"]')]);
  await axe(page, 'a unit\'s replies from the front page');
  await page.goBack();
  // A mistyped code: a page that says what a code looks like, and the way back.
  await page.fill('#code', 'ABC-123');
  await Promise.all([page.waitForNavigation(), page.press('#code', 'Enter')]);
  assert.match(await page.textContent('h1'), /Mã theo dõi không đúng/);
  await axe(page, 'a mistyped tracking code');
  await Promise.all([page.waitForNavigation(), page.tap('a.btn')]);
  // The real code, typed as people do: lower case, in groups.
  const typed = code.match(/.{1,5}/g).join('-').toLowerCase();
  await page.fill('#code', typed);
  await Promise.all([page.waitForURL(new RegExp(`/feedback/track/${code}$`)), page.tap('#track ~ form button')]);
  assert.match(await page.textContent('h1'), /Theo dõi phản ánh/);
  await ctx.close();

  // A desktop screen: the same page, English, nothing wider than the window.
  const wide = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  const desk = await wide.newPage();
  await desk.goto(`${origin}/?lang=en`);
  assert.equal(await desk.getAttribute('html', 'lang'), 'en');
  assert.match(await desk.textContent('h1'), /Citizen satisfaction/);
  await axe(desk, 'front page, English, 1280 px');
  const overflow = await desk.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'no horizontal scroll at 1280 px');
  await desk.screenshot({ path: join(artifacts, 'front-1280.png'), fullPage: true });
  for (const path of ['/reports?lang=en', '/methodology', '/units']) {
    await desk.goto(`${origin}${path}`);
    await axe(desk, path);
  }
  await wide.close();
});

/** Today's desk row of a counter, from `hailong export desk`: [ratings, flagged, reasons]. */
function deskRow(unit, counter) {
  const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  const csv = cli('export', 'desk', '--from', today, '--to', today);
  const row = csv.split('\n').find((l) => l.includes(`,${unit},`) && l.includes(`,${counter},`));
  if (!row) return [0, 0, ''];
  const cells = row.split(',');
  return [Number(cells[6]), Number(cells[7]), cells[12]];
}

test('a counter tablet: paired from the command line, one tap, reasons, idle, offline, in both orientations', { timeout: 180000 }, async () => {
  const code = cli('kiosks', 'add', '--unit', 'phuong-an-lac', '--counter', 'Quầy 9').trim().split('\n').pop();
  const wide = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
  const page = await wide.newPage();
  // The staff page's QR code opens the pairing form with the code filled in: one tap pairs.
  await page.goto(`${origin}/kiosk/pair?code=${encodeURIComponent(code.toLowerCase())}`);
  await axe(page, 'pairing page');
  assert.equal(await page.inputValue('#code'), code.toLowerCase(), 'the QR link fills the code in');
  await Promise.all([page.waitForURL(`${origin}/kiosk`), page.tap('button[type=submit]')]);
  await page.waitForLoadState('load');
  assert.match(await page.textContent('header'), /Phường An Lạc · Quầy 9/);
  await axe(page, 'faces, landscape');
  const fits = () => page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight && document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(await fits(), 'no scrolling at 1280×800');
  const small = await page.$$eval('.faces button', (els) => els.filter((e) => { const r = e.getBoundingClientRect(); return r.width < 64 || r.height < 64; }).length);
  assert.equal(small, 0, 'every face is at least 64×64');
  // Filled faces, each its own colour.
  const fills = await page.$$eval('.faces .fc', (els) => els.map((e) => getComputedStyle(e).fill));
  assert.equal(new Set(fills).size, 5, `five different colours: ${fills}`);
  // The faces' words: contrast of at least 4.5:1 against their button.
  const ratios = await page.$$eval('.faces button', (els) => els.map((b) => {
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    const lum = (c) => { const [r, g, bl] = rgb(c); return 0.2126 * r + 0.7152 * g + 0.0722 * bl; };
    const [a, z] = [lum(getComputedStyle(b.querySelector('span')).color), lum(getComputedStyle(b).backgroundColor)];
    return (Math.max(a, z) + 0.05) / (Math.min(a, z) + 0.05);
  }));
  assert.ok(ratios.every((r) => r >= 4.5), `face words contrast: ${ratios}`);
  await page.screenshot({ path: join(artifacts, 'kiosk-1280x800.png') });

  // A 2: the reasons come up on the tablet; two chips and a comment, sent; thanks; faces.
  await page.tap('.faces button[value="2"]');
  await page.waitForSelector('.chips');
  await axe(page, 'reasons, landscape');
  assert.ok(await fits(), 'the reasons fit without scrolling');
  await page.screenshot({ path: join(artifacts, 'kiosk-reasons-1280x800.png') });
  // A tap within 500 ms of a screen change is ignored (a double tap on a face must not tick a
  // reason): the test waits as a person would.
  const chips = await page.$$eval('.chips label', (els) => els.map((e) => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).fontSize)]));
  assert.ok(chips.every(([h, f]) => h >= 48 && f >= 24), `reasons at least 48 px tall in 24 px type: ${chips}`);
  await page.waitForTimeout(600);
  await page.tap('label:has(input[value="time"])');
  const ticked = await page.$eval('label:has(input[value="time"])', (e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(ticked, 'rgb(255, 255, 255)', 'a ticked reason fills with colour');
  await page.tap('label:has(input[value="visits"])');
  await page.fill('#comment', 'Chờ hơi lâu.');
  await page.tap('button.send');
  await page.waitForSelector('h1.big');
  await axe(page, 'thank-you');
  await page.waitForSelector('.faces', { timeout: 6000 });
  await page.waitForFunction(() => (JSON.parse(localStorage.getItem('hailong-kiosk-queue') || '[]')).length === 0);
  let [n, flagged, reasons] = deskRow('phuong-an-lac', 'Quầy 9');
  assert.equal(n + flagged, 1, 'one rating');
  assert.equal(reasons, 'time=100.00;visits=100.00');

  // A 1, then nothing: after the idle time the faces come back and the face alone is kept.
  await page.waitForTimeout(600);
  await page.tap('.faces button[value="1"]');
  await page.waitForSelector('.chips');
  // Before the idle return, "Ông/Bà cần thêm thời gian?" with one large button.
  await page.waitForSelector('#more', { state: 'visible', timeout: 9000 });
  assert.match(await page.textContent('#more'), /cần thêm thời gian/);
  const yes = await page.$eval('#more-yes', (e) => e.getBoundingClientRect().height);
  assert.ok(yes >= 48, `the more-time button is ${yes} px tall`);
  await axe(page, 'more time?');
  await page.waitForSelector('.faces', { timeout: 9000 });
  await page.waitForFunction(() => (JSON.parse(localStorage.getItem('hailong-kiosk-queue') || '[]')).length === 0);
  [n, flagged] = deskRow('phuong-an-lac', 'Quầy 9');
  assert.equal(n + flagged, 2);

  // Offline: two taps wait on the tablet, and are stored once each when the network returns.
  await wide.setOffline(true);
  for (const score of ['5', '4']) {
    await page.waitForTimeout(600);
    await page.tap(`.faces button[value="${score}"]`);
    await page.waitForSelector('h1.big');
    await page.waitForSelector('.faces', { timeout: 6000 });
  }
  assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('hailong-kiosk-queue')).length), 2);
  [n, flagged] = deskRow('phuong-an-lac', 'Quầy 9');
  assert.equal(n + flagged, 2, 'nothing reached the server while offline');
  await wide.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForFunction(() => (JSON.parse(localStorage.getItem('hailong-kiosk-queue') || '[]')).length === 0, null, { timeout: 20000 });
  [n, flagged] = deskRow('phuong-an-lac', 'Quầy 9');
  assert.equal(n + flagged, 4, 'each offline rating stored once');
  const cookies = await wide.cookies();
  await wide.close();

  // Portrait (800×1280): measured and checked with axe in a browser with JavaScript; the
  // plain-form flow without it (where nothing can be evaluated in the page).
  const device = cookies.filter((c) => c.name === 'hailong_kiosk');
  const portrait = async (extra = []) => {
    const ctx = await browser.newContext({ viewport: { width: 800, height: 1280 }, hasTouch: true });
    await ctx.addCookies([...device, ...extra]);
    const p = await ctx.newPage();
    await p.goto(`${origin}/kiosk`);
    return [ctx, p];
  };
  let [tall, p2] = await portrait();
  await axe(p2, 'faces, portrait');
  const smallTall = await p2.$$eval('.faces button', (els) => els.filter((e) => { const r = e.getBoundingClientRect(); return r.width < 48 || r.height < 48; }).length);
  assert.equal(smallTall, 0, 'every face is at least 48×48 in portrait');
  assert.ok(await p2.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight), 'no scrolling at 800×1280');
  await p2.screenshot({ path: join(artifacts, 'kiosk-800x1280.png') });
  await tall.close();
  const plain = await browser.newContext({ viewport: { width: 800, height: 1280 }, hasTouch: true, javaScriptEnabled: false });
  await plain.addCookies(device);
  const p3 = await plain.newPage();
  await p3.goto(`${origin}/kiosk`);
  await Promise.all([p3.waitForNavigation(), p3.tap('.faces button[value="3"]')]);
  await p3.waitForSelector('.chips');
  const low = (await plain.cookies()).filter((c) => c.name === 'hailong_kiosk_low');
  assert.equal(low.length, 1, 'the face waits for its reasons');
  [tall, p2] = await portrait(low);
  await p2.waitForSelector('.chips');
  await axe(p2, 'reasons, portrait (the server\'s page)');
  assert.ok(await p2.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight), 'the reasons fit at 800×1280');
  await p2.screenshot({ path: join(artifacts, 'kiosk-reasons-800x1280.png') });
  await tall.close();
  await p3.tap('label:has(input[value="information"])');
  await Promise.all([p3.waitForNavigation(), p3.tap('button.send')]);
  assert.match(await p3.textContent('h1'), /Cảm ơn/);
  [n, flagged, reasons] = deskRow('phuong-an-lac', 'Quầy 9');
  assert.equal(n + flagged, 5);
  assert.match(reasons, /information=/);
  await plain.close();
});

test('a one-time code takes one answer, then says it was used', async () => {
  const res = await fetch(`${origin}/api/v1/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ unit: 'phuong-an-lac' }) });
  assert.equal(res.status, 201);
  const ticket = await res.json();
  const png = Buffer.from(await (await fetch(`${origin}/api/v1/tickets/${ticket.code}/qr.png`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
  writeFileSync(join(dir, 'ticket.png'), png);
  const url = execFileSync('zbarimg', ['--quiet', '--raw', join(dir, 'ticket.png')], { encoding: 'utf8' }).trim();
  assert.equal(url, ticket.url);
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(url);
  await answerAll(page, '5');
  await page.tap('button[type=submit]');
  await page.waitForURL(/\/thanks/);
  const again = await page.goto(url);
  assert.equal(again.status(), 409);
  assert.match(await page.textContent('h1'), /đã được sử dụng/);
  await axe(page, 'used-ticket page');
  const unknown = await page.goto(`${origin}/t/AAAAAAAAAAAAAAA`);
  assert.equal(unknown.status(), 404);
  await axe(page, 'unknown-ticket page');
  await ctx.close();
});

test('missing answers are marked and the rest kept; English on request; the keyboard alone works', async () => {
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(`${origin}/s/phuong-an-lac?lang=en`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /Satisfaction survey/);
  await answerAll(page, '3', ['staff.2', 'overall']);
  await page.tap('button[type=submit]');
  await page.waitForSelector('#loi');
  assert.match(await page.textContent('#loi'), /not answered/);
  assert.equal(await page.getAttribute('#q-staff-2', 'class'), 'err');
  assert.equal(await page.getAttribute('#q-overall', 'class'), 'err');
  assert.ok(await page.isChecked('input[name="access.1"][value="3"]'), 'answers are kept');
  await axe(page, 'form with errors');
  await ctx.close();

  // Keyboard only: Tab to the first scale, arrows to choose, Space to select.
  const kctx = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const kpage = await kctx.newPage();
  await kpage.goto(`${origin}/s/phuong-an-lac`);
  await kpage.focus('input[name="access.1"][value="1"]');
  await kpage.keyboard.press('ArrowRight');
  await kpage.keyboard.press('ArrowRight');
  assert.ok(await kpage.isChecked('input[name="access.1"][value="3"]'), 'arrows move the choice');
  const outline = await kpage.$eval('input[name="access.1"]:checked + span', (e) => getComputedStyle(e).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused choice shows a focus ring');
  // Text enlarged to 200 %: nothing is cut off sideways.
  await kpage.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
  const overflow = await kpage.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling at 200 % text (${overflow}px)`);
  await kctx.close();
});

async function responsesToday(unit) {
  const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  const r = await fetch(`${origin}/api/v1/indices?from=${today}&to=${today}&unit=${unit}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  return (await r.json()).rows[0].responses;
}

test('an answer sent offline is kept on the phone and sent once when the connection returns', async () => {
  const before = await responsesToday('phuong-tan-tao');
  const ctx = await phone();
  const page = await ctx.newPage();
  await page.goto(`${origin}/s/phuong-tan-tao`);
  const script = await (await fetch(`${origin}/static/offline.js`)).text();
  assert.ok(Buffer.byteLength(script) <= 5 * 1024, 'the offline helper is at most 5 KB');
  await answerAll(page, '5');
  await ctx.setOffline(true);
  await page.tap('button[type=submit]');
  await page.waitForSelector('#offline-status');
  assert.match(await page.textContent('#offline-status'), /mất kết nối/);
  assert.equal(await responsesToday('phuong-tan-tao'), before, 'nothing arrived while offline');
  await ctx.setOffline(false);
  await page.waitForFunction(() => /Đã có mạng/.test(document.getElementById('offline-status')?.textContent ?? ''));
  assert.equal(await page.evaluate(() => localStorage.getItem('hailong-pending')), '[]');
  // A second 'online' (a flapping connection) sends nothing twice.
  await ctx.setOffline(true);
  await ctx.setOffline(false);
  await page.waitForTimeout(500);
  assert.equal(await responsesToday('phuong-tan-tao'), before + 1, 'exactly one response');
  await ctx.close();
});

test('the sign-in page passes axe and the report prints on at most two A4 pages', async () => {
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1024, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${origin}/login`);
  await axe(page, 'sign-in page');
  assert.ok(adminPassword, 'the first start printed an admin password');
  await page.fill('#u', 'admin');
  await page.fill('#p', adminPassword);
  await page.click('button[type=submit]');
  // The printed password is changed at the first sign-in, before anything else.
  await page.waitForURL(/\/staff\/password/);
  await axe(page, 'first password change');
  await page.fill('#c', adminPassword);
  adminPassword = 'Hồ sơ một cửa Bình Tân';
  await page.fill('#n', adminPassword);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/login/);
  await page.fill('#u', 'admin');
  await page.fill('#p', adminPassword);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/staff$/);
  await page.goto(`${origin}/reports/2021-Q4`);
  assert.match(await page.textContent('h1'), /Kết quả khảo sát/);
  assert.equal(await page.locator('table').first().locator('tbody tr').count(), 13, 'the demo: 12 units and the pooled row');
  await axe(page, 'report page');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  writeFileSync(join(artifacts, 'report.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.ok(pages >= 1 && pages <= 2, `the report of 12 units prints on ${pages} pages`);
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: join(artifacts, 'report-print.png'), fullPage: true });
  await ctx.close();
});

test('a province of 168 communes: the report keeps to four A4 pages and passes axe', async () => {
  const lines = ['code,name,name_en,parent,form,valid_from,valid_to,predecessors', 'tinh-thu,Tỉnh Thử Nghiệm,,,,,,'];
  for (let i = 1; i <= 168; i++) lines.push(`xa-${i},Xã Thử Nghiệm Số ${i},,tinh-thu,,,,`);
  writeFileSync(join(dir, 'province.csv'), lines.join('\n') + '\n');
  cli('units', 'import', join(dir, 'province.csv'));
  const form = await (await fetch(`${origin}/s/xa-1`)).text();
  const names = [...new Set([...form.matchAll(/type="radio" name="([^"]+)" value="[1-5]"/g)].map((m) => m[1]))];
  assert.ok(names.length >= 20, `the form's scale questions: ${names.length}`);
  for (let i = 1; i <= 168; i++) {
    for (const score of ['5', String(1 + (i % 5)), '4']) {
      const body = new URLSearchParams(names.map((n) => [n, score]));
      const r = await fetch(`${origin}/s/xa-${i}`, { method: 'POST', body, redirect: 'manual' });
      assert.equal(r.status, 303);
    }
  }
  const now = new Date(Date.now() + 7 * 3600 * 1000);
  const quarter = `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1024, height: 900 } });
  const page = await ctx.newPage();
  await signInAsAdmin(page);
  await page.goto(`${origin}/reports/${quarter}`);
  assert.match(await page.textContent('h1'), /Kết quả khảo sát/);
  assert.equal(await page.locator('section svg.chart').count() >= 2, true, 'the top and bottom ten');
  const rest = await page.locator('ol.compact li').count();
  assert.ok(rest >= 150, `the other units in the compact list: ${rest}`);
  await axe(page, 'province report');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  writeFileSync(join(artifacts, 'report-province.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.ok(pages >= 1 && pages <= 4, `the report of ${rest + 20} units prints on ${pages} pages`);
  await ctx.close();
});

test('the desk sheet keeps to one A4 page with the longest questions and replies', async () => {
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1024, height: 900 } });
  const page = await ctx.newPage();
  await signInAsAdmin(page);
  const unit = 'phuong-binh-tan';
  const long = (words) => 'Phản ánh về thời gian giải quyết hồ sơ đất đai tại bộ phận một cửa '.repeat(words).slice(0, 3990);
  for (let i = 0; i < 8; i++) {
    const r = await page.request.post(`${origin}/feedback/${unit}`, { form: { subject: 'other', text: `${i} ${long(80)}`, consent: 'yes' }, maxRedirects: 0 });
    assert.equal(r.status(), 303);
  }
  const csrf = await page.getAttribute('input[name=csrf]', 'value');
  await page.goto(`${origin}/staff/feedback?unit=${unit}&status=received`);
  const ids = await page.$$eval('tbody a', (as) => as.map((a) => a.getAttribute('href').split('/').pop()));
  assert.ok(ids.length >= 8, `the new items are in the queue: ${ids.length}`);
  const reply = 'Đơn vị đã kiểm tra hồ sơ, liên hệ với người nộp và hẹn lại ngày trả kết quả; đồng thời rà soát quy trình để không lặp lại. '.repeat(80).slice(0, 7990);
  for (const id of ids.slice(0, 8)) {
    for (const [step, text] of [['answer', reply], ['publish', '']]) {
      const r = await page.request.post(`${origin}/staff/feedback/${id}`, { form: { csrf, step, text }, maxRedirects: 0 });
      assert.equal(r.status(), 303, `${step} ${id}`);
    }
  }
  await page.goto(`${origin}/units/${unit}/feedback/print`);
  await axe(page, 'desk sheet with long texts');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  writeFileSync(join(artifacts, 'feedback-sheet-long.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, `the desk sheet with the longest texts prints on ${pages} pages`);
  await ctx.close();
});

test('an admin manages users, tokens, units and dossier counts on a phone; every page passes axe', async () => {
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(`${origin}/login`);
  await page.fill('#u', 'admin');
  await page.fill('#p', adminPassword);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/staff/);
  await axe(page, 'staff dashboard');
  // A phone widens its layout to fit content that overflows, so compare with the screen's 360 px.
  const noSideScroll = async (label) => {
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= 360 && width <= 360, `${label}: the page is ${scroll} px wide (layout ${width} px) on a 360 px screen`);
  };
  await noSideScroll('dashboard');

  await page.click('a[href="/staff/users"]');
  await axe(page, 'users page');
  await noSideScroll('users page');
  await page.fill('#username', 'can-bo-tan-tao');
  await page.fill('#display_name', 'Võ Thị Tân');
  await page.selectOption('#role', 'officer');
  await page.selectOption('#unit', 'phuong-tan-tao');
  await page.click('form[aria-labelledby=form-title] button[type=submit]');
  const password = (await page.textContent('code.secret')).trim();
  assert.ok(password.length >= 12, 'the new password is shown once');
  await axe(page, 'user added');
  assert.match(await page.textContent('table'), /can-bo-tan-tao/);
  assert.match(await page.textContent('table'), /Võ Thị Tân/);

  await page.goto(`${origin}/staff/tokens`);
  await page.fill('#name', 'phần mềm một cửa');
  await page.click('form[aria-labelledby=form-title] button[type=submit]');
  assert.match((await page.textContent('code.secret')).trim(), /^hl_/);
  await axe(page, 'token created');
  await noSideScroll('tokens page');

  await page.goto(`${origin}/staff/units`);
  await axe(page, 'units page');
  await noSideScroll('units page');
  assert.match(await page.textContent('table'), /Tân Tạo/);
  // A file saved by Excel as "CSV UTF-8": byte-order mark, CRLF line ends.
  await page.setInputFiles('#file', {
    name: 'don-vi.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('\ufeffcode,name,name_en,parent,form,valid_from,valid_to,predecessors\r\nthu-nghiem,Phường Thử Nghiệm,Test Ward,,,,,\r\n', 'utf8'),
  });
  await page.click('form[aria-labelledby=form-title] button[type=submit]');
  assert.match(await page.textContent('[role=status]'), /Đã thêm 1/);
  assert.match(await page.textContent('table'), /Phường Thử Nghiệm/);
  await axe(page, 'units imported');

  await page.goto(`${origin}/staff/dossiers`);
  await page.fill('#csv', 'unit_code,date,dossiers\ntan-tao,2021-10-01,120\ntan-tao,2021-10-02,mười\n');
  await page.click('form[aria-labelledby=form-title] button[type=submit]');
  assert.match(await page.textContent('[role=alert]'), /line 3/);
  await axe(page, 'dossier import refused');
  await noSideScroll('dossiers page');
  await ctx.close();
});

test('a unit lead opens a counter and reads the officers\' figures; an admin sees every band; all pages pass axe at 360 px', async () => {
  const password = 'Bộ phận một cửa, mật khẩu thử 2026';
  execFileSync(bin, ['--database-url', db, 'users', 'add', 'lead.an-lac', '--role', 'officer', '--unit', 'phuong-an-lac', '--lead', '--password-stdin'], { input: `${password}\n`, cwd: repo });
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  const noSideScroll = async (label) => {
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= 360 && width <= 360, `${label}: the page is ${scroll} px wide (layout ${width} px) on a 360 px screen`);
  };
  await page.goto(`${origin}/login`);
  await page.fill('#u', 'lead.an-lac');
  await page.fill('#p', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/staff/);
  // The counter: chosen and opened with the keyboard alone.
  await page.click('a[href="/staff/counter"]');
  await axe(page, 'counter page');
  await noSideScroll('counter page');
  await page.focus('#counter');
  await page.keyboard.press('Enter');
  await page.selectOption('#counter', 'Quầy 1');
  await page.focus('form[aria-labelledby=form-title] button[type=submit]');
  // The answer to the post, not the page it was sent from.
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.match(await page.textContent('[role=status]'), /Đã mở Quầy 1/);
  assert.match(await page.textContent('table'), /lead\.an-lac/);
  await axe(page, 'counter opened');
  // The unit's officers in 2026-Q3, by name with their bands, bars and the note.
  await page.goto(`${origin}/staff/officers?period=2026-Q3`);
  await axe(page, 'officers page (lead)');
  await noSideScroll('officers page (lead)');
  const text = await page.textContent('main, body');
  assert.match(text, /Nguyễn Văn An/);
  assert.doesNotMatch(text, /demo\.an\./, 'people by name, not login');
  assert.doesNotMatch(text, /phuong-tan-tao/, 'only the lead\'s unit');
  assert.match(text, /không khác nhau/);
  assert.ok(await page.locator('svg.bar').count() >= 3, 'interval bars');
  await page.goto(`${origin}/staff/me?period=2026-Q3&lang=en`);
  await axe(page, 'my figures');
  await noSideScroll('my figures');
  assert.match(await page.textContent('h1'), /My desk figures/);
  await ctx.close();

  // An admin (of the Department of Home Affairs) at 1280 px: every unit, every band.
  execFileSync(bin, ['--database-url', db, 'users', 'add', 'so-noi-vu', '--role', 'admin', '--password-stdin'], { input: `${password}\n`, cwd: repo });
  const wide = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  const admin = await wide.newPage();
  await admin.goto(`${origin}/login`);
  await admin.fill('#u', 'so-noi-vu');
  await admin.fill('#p', password);
  await admin.click('button[type=submit]');
  await admin.waitForURL(/\/staff/);
  await admin.goto(`${origin}/staff/officers?period=2026-Q3&lang=en`);
  await axe(admin, 'officers page (admin)');
  for (const band of ['above', 'within', 'below', 'too_few']) {
    assert.ok(await admin.locator(`.b-${band}`).count() > 0, `a row in band ${band}`);
  }
  // Full width at 1280 px: every table fits, no row wraps its words, the column says "compared".
  const overflow = await admin.$$eval('.wide', (els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `${e.getAttribute('aria-label')}: ${e.scrollWidth} > ${e.clientWidth}`));
  await admin.screenshot({ path: join(artifacts, 'officers-1280.png'), fullPage: true });
  assert.deepEqual(overflow, [], 'every officers table fits at 1280 px');
  const pageWidth = await admin.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(pageWidth <= 1280, `the officers page is ${pageWidth} px wide`);
  const tall = await admin.$$eval('.fig tbody tr', (rows) => rows.filter((r) => r.getBoundingClientRect().height > 64).length);
  assert.equal(tall, 0, 'no row wraps its words');
  assert.match(await admin.textContent('.fig thead'), /Compared with the unit/);
  await admin.screenshot({ path: join(artifacts, 'officers-1280.png'), fullPage: true });
  await wide.close();
});

test('two clerks type a paper sheet with the keyboard alone and it counts once; the sheets print two A4 pages each; axe', async () => {
  const password = 'Bộ phận một cửa, mật khẩu thử 2026';
  for (const name of ['clerk.lan', 'clerk.minh']) {
    execFileSync(bin, ['--database-url', db, 'users', 'add', name, '--role', 'officer', '--unit', 'phuong-binh-tan', '--password-stdin'], { input: `${password}\n`, cwd: repo });
  }
  const out = join(dir, 'sheets.html');
  // This server's own address, given on purpose (a loopback address is printed only so).
  const said = cli('--public-url', origin, 'paper', 'print', '--unit', 'phuong-binh-tan', '--count', '2', '--out', out);
  assert.match(said, /2 sheets \(4 A4 pages/);
  const html = readFileSync(out, 'utf8');
  const codes = [...html.matchAll(/class="code">([A-Z0-9-]+)</g)].map((m) => m[1]);
  assert.equal(codes.length, 2);
  // Printed: two pages per sheet, as the README says.
  const printer = await browser.newContext();
  const sheet = await printer.newPage();
  await sheet.goto(`file://${out}`);
  const pdf = await sheet.pdf({ preferCSSPageSize: true });
  writeFileSync(join(artifacts, 'paper-sheets.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 4, 'two sheets, two A4 pages each');
  await printer.close();

  // `first`: what is typed on the first row ('' leaves it blank, as on the paper); `blank`:
  // every row left blank.
  const typeSheet = async (user, code, first = '4', reread = false, blank = false) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const page = await ctx.newPage();
    await page.goto(`${origin}/login`);
    await page.fill('#u', user);
    await page.fill('#p', password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/staff/);
    await page.goto(`${origin}/staff/paper/enter`);
    await axe(page, 'paper code box');
    // The code box has the focus: type the code in lower case, Enter.
    await page.keyboard.type(code.toLowerCase());
    await page.keyboard.press('Enter');
    await page.waitForSelector('input.k');
    await axe(page, 'paper entry rows');
    const kinds = await page.$$eval('input.k', (els) => els.map((e) => e.getAttribute('pattern')));
    // One key per row: 4 on every scale row, Tab past the boxes left blank, 1 on the choices.
    for (const [i, pattern] of kinds.entries()) {
      if (blank || (i === 0 && first === '')) await page.keyboard.press('Tab');
      else if (i === 0) await page.keyboard.type(first);
      else if (pattern === '[0-5]') await page.keyboard.type('4');
      else if (pattern === '1') await page.keyboard.press('Tab');
      else await page.keyboard.type('1');
    }
    const focused = await page.evaluate(() => document.activeElement?.id);
    assert.equal(focused, 'comment', 'after the last row the comment has the focus');
    if (!blank) await page.keyboard.type('Nhân viên nhiệt tình');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    if (reread) {
      // Told which row differs (marked, never the first value): read the paper, correct, save.
      await page.waitForSelector('tr.diff');
      assert.match(await page.textContent('[role=alert]'), /khác lần nhập thứ nhất ở câu 1/);
      assert.equal(await page.locator('tr.diff').count(), 1);
      await axe(page, 'paper entry to re-read');
      await page.fill('tr.diff input.k', '4');
      await page.click('form.entry button[type=submit]');
    }
    await page.waitForSelector('[role=status]');
    const said = await page.textContent('[role=status]');
    await axe(page, 'paper entry saved');
    await ctx.close();
    return said;
  };
  // A row left blank on the paper, typed blank twice: the sheet counts.
  assert.match(await typeSheet('clerk.lan', codes[0], ''), /lần nhập thứ nhất/);
  assert.match(await typeSheet('clerk.minh', codes[0], ''), /hai lần nhập giống nhau/);
  // A row typed differently: the second typist re-reads it and the sheet counts.
  assert.match(await typeSheet('clerk.lan', codes[1]), /lần nhập thứ nhất/);
  assert.match(await typeSheet('clerk.minh', codes[1], '2', true), /hai lần nhập giống nhau/);
  // A sheet left blank, typed blank twice: void (not counted, counted apart).
  const out3 = join(dir, 'sheet3.html');
  cli('--public-url', origin, 'paper', 'print', '--unit', 'phuong-binh-tan', '--count', '1', '--out', out3);
  const blankCode = readFileSync(out3, 'utf8').match(/class="code">([A-Z0-9-]+)</)[1];
  assert.match(await typeSheet('clerk.lan', blankCode, '', false, true), /lần nhập thứ nhất/);
  assert.match(await typeSheet('clerk.minh', blankCode, '', false, true), /phiếu hỏng/);
});

/** A server of its own on a fresh SQLite file, with the default misuse rules (5 s). */
async function ownServer(args = []) {
  const d = mkdtempSync(join(tmpdir(), 'hailong-browser-own-'));
  const url = `sqlite://${join(d, 'hailong.db')}`;
  writeFileSync(join(d, 'units.csv'), 'code,name,name_en,parent,form,valid_from,valid_to,predecessors\nphuong-thu,Phường Thử,Test Ward,,,,,\n');
  const run = (...a) => execFileSync(bin, ['--database-url', url, ...a], { encoding: 'utf8', cwd: repo });
  run('units', 'import', join(d, 'units.csv'));
  const proc = spawn(bin, ['--database-url', url, 'serve', '--bind', '127.0.0.1:0', ...args], { cwd: repo });
  proc.stderr.resume();
  const base = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (x) => {
      out += x;
      const m = out.match(/listening on port (\d+)/);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    proc.on('exit', (c) => reject(new Error(`hailong exited with ${c}: ${out}`)));
    setTimeout(() => reject(new Error('hailong did not start')), 60000);
  });
  return { base, run, proc };
}

test('a tablet offline: taps judged as they were tapped, a reload keeps the faces, a quick second tap is rapid', { timeout: 180000 }, async () => {
  const own = await ownServer(['--kiosk-idle', '5']);
  try {
    const code = own.run('kiosks', 'add', '--unit', 'phuong-thu', '--counter', 'Quầy 1').trim().split('\n').pop();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
    const page = await ctx.newPage();
    await page.goto(`${own.base}/kiosk/pair`);
    await page.fill('#code', code);
    await Promise.all([page.waitForURL(`${own.base}/kiosk`), page.tap('button[type=submit]')]);
    await page.waitForSelector('.faces');
    // The service worker has the faces screen before the network goes.
    await page.waitForFunction(async () => {
      await navigator.serviceWorker.ready;
      const c = await caches.open('hailong-kiosk-v2');
      return !!(await c.match('/kiosk')) && !!(await c.match('/static/kiosk.js'));
    }, null, { timeout: 20000 });
    const queued = () => page.evaluate(() => JSON.parse(localStorage.getItem('hailong-kiosk-queue') || '[]').length);
    const desk = () => {
      const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
      const csv = own.run('export', 'desk', '--from', today, '--to', today);
      const row = csv.split('\n').find((l) => l.includes(',phuong-thu,') && l.includes(',Quầy 1,'));
      return row ? row.split(',') : null;
    };
    await page.tap('.faces button[value="5"]');
    await page.waitForSelector('h1.big');
    await page.waitForSelector('.faces', { timeout: 6000 });
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('hailong-kiosk-queue') || '[]').length === 0);

    // Offline: a 4, then 6 s later a 2 with a reason. (A tap within 500 ms of a screen change
    // is ignored, as a person's finger would not be that fast: the test waits like a person.)
    await ctx.setOffline(true);
    await page.waitForTimeout(2500);
    await page.tap('.faces button[value="4"]');
    await page.waitForSelector('h1.big');
    await page.waitForSelector('.faces', { timeout: 6000 });
    await page.waitForTimeout(3500);
    await page.tap('.faces button[value="2"]');
    await page.waitForSelector('.chips');
    await page.waitForTimeout(600);
    await page.tap('label:has(input[value="time"])');
    await page.waitForTimeout(300);
    await page.tap('button.send');
    await page.waitForSelector('h1.big');
    assert.equal(await queued(), 3, 'the 4, the 2, and its reason wait on the tablet');
    // A reload while offline: the faces, not the browser's error page; the queue is shown.
    await page.reload();
    await page.waitForSelector('.faces');
    assert.match(await page.textContent('header'), /Phường Thử · Quầy 1/);
    await page.waitForFunction(() => document.getElementById('pending').textContent !== '');
    assert.match(await page.textContent('#pending'), /đang chờ gửi 3/);
    await axe(page, 'faces offline, from the service worker');
    await ctx.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('hailong-kiosk-queue') || '[]').length === 0, null, { timeout: 20000 });
    assert.equal(await page.textContent('#pending'), '');
    let row = desk();
    assert.equal(row[6], '3', `the 5, the 4 and the 2 count: ${row}`);
    assert.equal(row[7], '0', 'none of them flagged');
    assert.equal(row[12], 'time=100.00', 'the reason kept');

    // The next citizen, then two taps 1 s apart (the faces brought back by a reload): the
    // second is rapid.
    await page.waitForTimeout(5500);
    await page.tap('.faces button[value="5"]');
    await page.waitForSelector('h1.big');
    await page.goto(`${own.base}/kiosk`);
    await page.waitForSelector('.faces');
    await page.waitForTimeout(600);
    await page.tap('.faces button[value="4"]');
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('hailong-kiosk-queue') || '[]').length === 0, null, { timeout: 20000 });
    row = desk();
    assert.equal(row[6], '4', `${row}`);
    assert.equal(row[7], '1', 'the second tap is rapid');

    // A double tap on a low face does not tick the reason under the finger; a reason ticked
    // and left is sent when the reasons screen times out.
    await page.waitForTimeout(5500);
    await page.tap('.faces button[value="1"]');
    await page.waitForSelector('.chips');
    await page.tap('label:has(input[value="time"])');
    assert.equal(await page.isChecked('input[value="time"]'), false, 'the second tap of a double tap');
    await page.waitForTimeout(600);
    await page.tap('label:has(input[value="visits"])');
    assert.equal(await page.isChecked('input[value="visits"]'), true);
    await page.waitForSelector('.faces', { timeout: 9000 });
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('hailong-kiosk-queue') || '[]').length === 0, null, { timeout: 20000 });
    row = desk();
    assert.equal(row[12], 'time=50.00;visits=50.00', `the reason left on the screen is sent: ${row}`);
    await ctx.close();
  } finally {
    own.proc.kill('SIGTERM');
  }
});

test('the privacy notice is reached from the feedback form, fits 360 px and passes axe in both languages', async () => {
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(`${origin}/feedback/phuong-an-lac`);
  await page.click('#contact-hint a');
  await page.waitForURL(/\/privacy/);
  assert.match(await page.textContent('h1'), /Bảo vệ dữ liệu cá nhân/);
  await axe(page, 'privacy notice');
  let [w, lw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w <= 360 && lw <= 360, `the notice is ${w} px wide`);
  const rows = await page.$$eval('section.cat', (s) => s.length);
  assert.equal(rows, 8, 'eight categories of data');
  await page.goto(`${origin}/privacy?lang=en`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await axe(page, 'privacy notice (en)');
  [w, lw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w <= 360 && lw <= 360, `the English notice is ${w} px wide`);
  await page.screenshot({ path: join(artifacts, 'privacy-360.png'), fullPage: true });
  // The request form: every tap target large enough, a wrong code refused in words.
  await page.goto(`${origin}/privacy/request`);
  await axe(page, 'privacy request form');
  [w, lw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w <= 360 && lw <= 360, `the request form is ${w} px wide`);
  const small = await page.$$eval('.c label, button, input.f', (els) => els.map((e) => e.getBoundingClientRect()).filter((r) => r.width < 44 || r.height < 44).length);
  assert.equal(small, 0, 'every tap target is at least 44×44');
  await page.tap('.c label');
  await page.fill('#code', 'AAAAAAAAAAAAAAA');
  await page.tap('button[type=submit]');
  await page.waitForSelector('.sum');
  await axe(page, 'privacy request refused');
  // By phone: a code asked for, the second step (the code, three kinds) fits and passes too.
  await page.goto(`${origin}/privacy/request`);
  await page.fill('#phone', '0912 345 678');
  await page.tap('form[action="/privacy/request/code"] button');
  await page.waitForSelector('#otp');
  assert.match(await page.textContent('[role=status]'), /một mã 6 chữ số/);
  assert.equal(await page.$$eval('.c label', (l) => l.length), 3, 'access, deletion, withdrawal');
  await axe(page, 'privacy request by phone');
  [w, lw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w <= 360 && lw <= 360, `the phone step is ${w} px wide`);
  await ctx.close();
});

test('what citizens wrote about: the report\'s topics fit 360 px and pass axe; an admin previews a rule change and saves it', async () => {
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  // A published report, as a citizen reaches it: the section with its shares and quotes.
  await page.goto(`${origin}/reports/2021-Q4`);
  const section = page.locator('section.topics');
  assert.match(await section.locator('h2').textContent(), /Người dân nói về/);
  assert.ok((await section.locator('tbody tr').count()) >= 2, 'topics with complaints');
  assert.ok((await section.locator('mark').count()) >= 2, 'the words that show a topic are marked');
  for (const q of await section.locator('q').allTextContents()) {
    assert.ok([...q].length <= 200, `a quote of ${[...q].length} characters`);
  }
  // Nothing of the section is wider than the phone: no table cell, no quote.
  const widest = await section.evaluate((s) => Math.max(...[...s.querySelectorAll('table, ul, p, h2, h3')].map((e) => e.getBoundingClientRect().right)));
  assert.ok(widest <= 360, `the section's widest part ends at ${widest} px on a 360 px screen`);
  await section.screenshot({ path: join(artifacts, 'report-topics-360.png') });
  await axe(page, 'report with topics, 360 px');
  await page.goto(`${origin}/reports/2021-Q4?lang=en`);
  assert.match(await page.locator('section.topics h2').textContent(), /What citizens wrote about/);
  await axe(page, 'report with topics, English');

  // An admin on a phone: the rules, a change previewed on the past year's comments, then saved.
  await signInAsAdmin(page);
  await page.goto(`${origin}/staff/topics`);
  await axe(page, 'topic rules');
  const rules = await page.inputValue('#rules');
  assert.match(rules, /code = "time"/);
  await page.fill('#rules', rules.replace('code = "time"\ncomplaint = [', 'code = "time"\ncomplaint = ["xếp hàng dài", '));
  await Promise.all([page.waitForNavigation(), page.click('form[action="/staff/topics/preview"] button')]);
  assert.match(await page.textContent('#pv'), /Nếu lưu/);
  await axe(page, 'a rule change previewed');
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= 360 && width <= 360, `the preview is ${scroll} px wide`);
  await page.fill('#note', 'thêm "xếp hàng dài"');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/staff/topics"] button')]);
  assert.match(await page.textContent('[role=status]'), /Đã lưu phiên bản 1/);
  assert.match(await page.inputValue('#rules'), /xếp hàng dài/);
  await axe(page, 'a version saved');
  await ctx.close();
});

test('a reader who lands on a shared report reaches the home page, the list and its CSV in one tap; every public page fits 360 and 1280 px and passes axe', { timeout: 180000 }, async () => {
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(`${origin}/reports/2026-Q2`);
  const csv = page.locator('section.rel a[href^="/open/indices.csv?period=2026-Q2"]');
  assert.equal(await csv.count(), 1, 'the release links its CSV');
  const res = await page.request.get(`${origin}${await csv.getAttribute('href')}`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /text\/csv/);
  assert.equal(await page.locator('nav.site a[href="/reports"]').count(), 1);
  // The report's words on a phone: every chart's text at least 11 px high.
  const smallest = await page.evaluate(() => Math.min(...[...document.querySelectorAll('svg text')]
    .map((t) => t.getBoundingClientRect().height).filter((h) => h > 0)));
  assert.ok(smallest >= 11, `the smallest chart text is ${smallest} px`);
  await Promise.all([page.waitForURL(`${origin}/`), page.tap('nav.site a[href="/"]')]);
  await page.goBack();
  await Promise.all([page.waitForURL(/\/reports$/), page.tap('nav.site a[href="/reports"]')]);
  await ctx.close();
  const pages = ['/', '/reports', '/units', '/methodology', '/feedback', '/privacy', '/reports/2026-Q2', '/reports/2021-Q4', '/units/phuong-an-lac/feedback', '/reports/2021-Q9'];
  for (const width of [360, 1280]) {
    const c = width === 360 ? await phone({ bypassCSP: true }) : await browser.newContext({ viewport: { width, height: 800 }, bypassCSP: true });
    const p = await c.newPage();
    for (const path of pages) {
      await p.goto(`${origin}${path}`);
      const [scroll, inner] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(scroll <= width && inner <= width, `${path} at ${width} px is ${scroll} px wide`);
      assert.equal(await p.locator('nav.site').count(), 1, `${path} has the navigation`);
      await axe(p, `${path} at ${width} px`);
    }
    await c.close();
  }
});

test('an admin on a phone reads the release calendar and records an action; both pages pass axe and fit 360 px', async () => {
  const ctx = await phone({ bypassCSP: true });
  const page = await ctx.newPage();
  await signInAsAdmin(page);
  const fits = async (label) => {
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= 360 && width <= 360, `${label} is ${scroll} px wide`);
  };
  await page.goto(`${origin}/staff/calendar`);
  assert.match(await page.textContent('table'), /Quý 3\/2026/);
  await axe(page, 'release calendar');
  await fits('release calendar');
  await page.goto(`${origin}/staff/actions`);
  await page.fill('#unit', 'phuong-an-lac');
  await page.fill('#period', '2026-Q2');
  await page.fill('#target', 'topic:time');
  await page.fill('#what', 'Thêm một quầy trả kết quả buổi sáng');
  await page.fill('#who', 'Văn phòng UBND phường');
  await page.fill('#due_on', '2026-09-30');
  await Promise.all([page.waitForNavigation(), page.click('form[aria-labelledby=new] button[type=submit]')]);
  assert.match(await page.textContent('[role=status]'), /Đã ghi việc #\d+/);
  await axe(page, 'an action recorded');
  await fits('actions page');
  await ctx.close();
});
