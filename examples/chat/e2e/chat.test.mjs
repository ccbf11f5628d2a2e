// Browser test of examples/chat: builds the server, starts it on a free
// port, and drives three pages in headless Chromium. Two pages in one room
// see each other's messages, a page in another room does not, and the
// server shuts down cleanly with the browsers still connected.
//
// Run with: npm ci && npm test (run.sh does both, and installs chromium).
// Set CHAT_SCREENSHOTS to a directory to keep screenshots of the pages.
//
// Nothing here sleeps or times a step: every wait is Playwright waiting for
// something to appear on a page. The timeouts only keep a broken run from
// hanging CI, and are long enough for a loaded machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = process.env.CHAT_SCREENSHOTS; // unset: take none
const waitLimit = 60_000; // ms, for each wait on a page
const runLimit = 5 * 60_000; // ms, for the whole test and each hook

let dir, server, exited, base, browser;
const pageErrors = []; // uncaught errors in any page's script

// Even if node dies without running after (an uncaught error), the server
// must not outlive it. kill is synchronous, so it works in an exit handler.
process.on('exit', () => server?.kill('SIGKILL'));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chat-e2e-'));
  const bin = join(dir, 'chat');
  execFileSync('go', ['build', '-o', bin, './examples/chat'], { cwd: repo, stdio: 'inherit' });
  // A tiny rate limit (3 messages, then one per 100 s) so the test can
  // see a 429 without racing the clock.
  server = spawn(bin, ['-addr', '127.0.0.1:0', '-burst', '3', '-rate', '0.01'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
  const lines = createInterface({ input: server.stdout });
  base = await new Promise((resolve, reject) => {
    lines.once('line', (line) => {
      const m = /^chat: serving on (http:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]);
      else reject(new Error(`unexpected first line from the server: ${line}`));
    });
    server.once('exit', () => reject(new Error('the server exited before serving')));
  });
  lines.on('line', (line) => console.log(`server: ${line}`));

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}, { timeout: runLimit });

// after runs even when before or the test failed: it stops the server
// (a no-op once it has exited) and removes the build directory.
after(async () => {
  try {
    await browser?.close();
  } finally {
    server?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}, { timeout: runLimit });

// open loads path in its own browser context (its own session).
async function open(path) {
  const context = await browser.newContext();
  context.setDefaultTimeout(waitLimit);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err));
  await page.goto(base + path);
  return page;
}

// enter joins room as name in a new page. It returns once the page lists
// name as online, that is once its event stream is open.
async function enter(name, room) {
  const page = await open('/');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Room').fill(room);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.locator('#members li', { hasText: name }).waitFor();
  return page;
}

// say sends text and returns once the server has accepted it, which the
// page shows by clearing the box. Sends are therefore in order, and a later
// fill cannot be cleared by an earlier send's answer.
async function say(page, text) {
  await send(page, text);
  await page.waitForFunction(() => document.getElementById('text').value === '');
}

// send fills the box and clicks Send, without waiting for the answer.
async function send(page, text) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

const messages = (page) => page.locator('#log .msg .text');

test('messages reach their room and only their room', { timeout: runLimit }, async () => {
  // The admin view watches every room; its stream is subscribed once open.
  const admin = await open('/#admin');
  await admin.locator('#status', { hasText: 'Watching every room' }).waitFor();
  const ann = await enter('ann', 'lobby');
  const bob = await enter('bob', 'lobby');
  const cat = await enter('cat', 'attic');
  // bob's join reached ann: both streams are live.
  await ann.locator('#members li', { hasText: 'bob' }).waitFor();

  await say(ann, 'hello from ann');
  await bob.locator('#log .msg', { hasText: 'hello from ann' }).waitFor();
  await ann.locator('#log .msg.mine', { hasText: 'hello from ann' }).waitFor();

  // ann's message was published before cat's, so once cat sees her own,
  // ann's would have arrived already had it leaked into the attic.
  await say(cat, 'hello from cat');
  await cat.locator('#log .msg', { hasText: 'hello from cat' }).waitFor();
  assert.deepEqual(await messages(cat).allTextContents(), ['hello from cat']);
  assert.deepEqual(await messages(bob).allTextContents(), ['hello from ann']);
  assert.deepEqual(await bob.locator('#members li').allTextContents(), ['ann', 'bob']);
  await admin.locator('#log .msg', { hasText: 'hello from cat' }).waitFor();
  assert.deepEqual(await admin.locator('#log .msg .room').allTextContents(), ['#lobby', '#attic']);

  // Past the rate limit the page shows the server's 429 inline.
  await say(ann, 'two');
  await say(ann, 'three');
  await bob.locator('#log .msg', { hasText: 'three' }).waitFor();
  await send(ann, 'four');
  await ann.locator('#error', { hasText: '429' }).waitFor();
  assert.equal(await ann.getByRole('textbox', { name: 'Message' }).inputValue(), 'four', 'a refused message stays in the box');

  for (const [name, page] of Object.entries(shots ? { ann, bob, admin } : {})) {
    const path = join(shots, `chat-e2e-${name}.png`);
    await page.screenshot({ path });
    console.log(`screenshot: ${path}`);
  }

  // SIGTERM with three streams open: the server ends them and exits 0.
  server.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null });
  await bob.locator('#status', { hasText: /lost|refused/ }).waitFor();
  assert.deepEqual(pageErrors, []);
});
