import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../runtime/config.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against a whole
 * stack running a small campaign on the real trainer. Screenshots go to tests/artifacts/.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'tests', 'artifacts');
/** No network, no background traffic, a throwaway profile: the browser talks to the stack only. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let stack: Stack;
let workers: { stop(): Promise<void> };
let browser: BrowserContext;
let page: Page;
let campaignId: string;
const profile = mkdtempSync(join(tmpdir(), 'aar-chromium-'));
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const agentRow = (agent: string) => page.locator(`[data-testid=agent-row][data-agent=${agent}]`);

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/test.d/20-browser.sh installs it`);
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startStack();
  workers = await stack.startWorkers();
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 1000 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.message));
  campaignId = await startCampaign(stack, smallCampaign('web', 2, 4));
});

after(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
  await workers.stop();
  await stack.close();
});

test('an operator is sent to the login page, refused a wrong token, and let in with the operator token', async () => {
  await page.goto(`${stack.apiUrl}/ui/`);
  await page.waitForURL(/\/ui\/login\?next=/);
  await page.fill('#token', 'not-the-operator-token');
  await page.click('button[type=submit]');
  await page.getByRole('alert').filter({ hasText: 'That is not the operator token.' }).waitFor();
  await page.fill('#token', stack.operatorToken);
  await page.click('button[type=submit]');
  await page.waitForURL(`${stack.apiUrl}/ui/`);
  await page.locator(`[data-testid=campaign-row][data-campaign=${campaignId}]`).waitFor();
  const cookies = await browser.cookies();
  assert.ok(cookies.some((c) => c.name === 'aar_session' && c.httpOnly && c.sameSite === 'Strict'));
  assert.equal(await page.evaluate('document.cookie'), '', 'scripts cannot read the session');
  await shot('campaigns');
});

test('the campaign page fills in the chart and the leaderboard live, without reloading', async () => {
  await page.click(`[data-campaign=${campaignId}] a`);
  await page.waitForURL(`${stack.apiUrl}/ui/campaigns/${campaignId}`);
  await page.locator('[data-testid=agent-row]').first().waitFor();
  await page.evaluate('window.loadedOnce = true');
  const points = page.locator('[data-testid=pgr-chart] circle.point');
  // Locators, not waitForFunction: the page's CSP forbids eval, which that would need.
  await points.nth(1).waitFor({ timeout: 240_000 });
  await page.locator('[data-testid=leaderboard-row]').first().waitFor();
  assert.ok((await points.count()) >= 2);
  assert.equal(await page.evaluate('window.loadedOnce'), true, 'the page was updated in place');
  assert.match((await page.locator('#live').textContent()) ?? '', /live/);
  assert.match(
    (await page.locator('a', { hasText: 'Temporal UI' }).first().getAttribute('href')) ?? '',
    /\/workflows\/campaign-/,
  );
  await shot('campaign-live');
});

test('pausing an agent from the page changes its state, and resuming brings it back', async () => {
  const row = agentRow('agent-1');
  await row.locator('button[data-action=pause]').click();
  await row.locator('[data-testid=agent-state]', { hasText: 'paused' }).waitFor({ timeout: 60_000 });
  await shot('agent-paused');
  await row.locator('button[data-action=resume]').click();
  await row.locator('button[data-action=pause]').waitFor({ timeout: 60_000 });
  assert.notEqual(await row.locator('[data-testid=agent-state]').textContent(), 'paused');
  const actions = await stack.record.pool.query(
    "SELECT action, agent_id, actor FROM operator_actions WHERE campaign_id = $1 AND action IN ('pause', 'resume') ORDER BY id",
    [campaignId],
  );
  assert.deepEqual(
    actions.rows.map((r) => `${r.action} ${r.agent_id}`),
    ['pause agent-1', 'resume agent-1'],
  );
});

test('the message form sends an agent a message', async () => {
  await page.selectOption('#message-agent', 'agent-2');
  await page.fill('#message-text', 'Try the auxiliary confidence loss with a longer warm-up.');
  await page.click('[data-testid=message-form] button[type=submit]');
  await page.locator('#toast', { hasText: 'message to agent-2: sent' }).waitFor();
  const sent = await stack.record.pool.query(
    "SELECT detail FROM operator_actions WHERE campaign_id = $1 AND action = 'message'",
    [campaignId],
  );
  assert.equal(sent.rows[0]?.detail.text, 'Try the auxiliary confidence loss with a longer warm-up.');
});

test('a forum thread reads as text: a script tag posted to the forum is shown, never run', async () => {
  const title = '<img src=x onerror="window.xss=1">';
  const body = '<script>window.xss=2</script> and <b>bold</b>?';
  const posted = await stack.api('POST', `/v1/campaigns/${campaignId}/forum`, {
    kind: 'finding',
    title,
    body,
  });
  assert.equal(posted.status, 201);
  await page.locator(`[data-testid=thread][data-post="${posted.body.id}"] a`).click({ timeout: 30_000 });
  await page.waitForURL(`${stack.apiUrl}/ui/forum/${posted.body.id}`);
  assert.equal(await page.locator('[data-testid=post-title]').textContent(), title);
  assert.equal(await page.locator('[data-testid=post-body]').textContent(), body);
  assert.equal(await page.locator('main img, main script, main b').count(), 0);
  assert.equal(await page.evaluate('window.xss'), undefined, 'neither the title nor the body ran');
  await shot('forum-thread');
  await page.goBack();
  const agentPost = page.locator('[data-testid=thread]').filter({ hasText: 'agent agent-' }).first();
  await agentPost.locator('a').click();
  await page.locator('[data-testid=post-body]').first().waitFor();
  assert.match(
    (await page.locator('[data-testid=post]').first().textContent()) ?? '',
    /agent agent-\d · result/,
  );
});

test('an experiment page shows the spec, per-seed results, training curves and logs', async () => {
  const { rows } = await stack.record.pool.query(
    "SELECT id FROM experiments WHERE campaign_id = $1 AND status = 'scored' ORDER BY id LIMIT 1",
    [campaignId],
  );
  const experimentId = rows[0]!.id as string;
  await page.goto(`${stack.apiUrl}/ui/campaigns/${campaignId}`);
  await page.locator(`[data-testid=experiments] a`, { hasText: experimentId }).click();
  await page.waitForURL(`${stack.apiUrl}/ui/experiments/${experimentId}`);
  assert.match((await page.locator('[data-testid=spec]').textContent()) ?? '', /"loss"/);
  assert.equal(await page.locator('[data-testid=seed-row]').count(), 2);
  assert.match((await page.locator('[data-testid=score]').textContent()) ?? '', /public PGR -?\d\.\d{3}/);
  assert.ok((await page.locator('[data-testid=loss-chart] circle.point').count()) >= 2);
  // The log arrives after the page: wait until it replaced its "loading…" placeholder.
  await page.locator('[data-testid=log]', { hasText: /^(?!loading)\S/ }).waitFor();
  assert.doesNotMatch((await page.locator('[data-testid=log]').textContent()) ?? '', /loading/);
  await shot('experiment');
});

test('the campaign runs to its end under the watching page, and no page raised a script error', async () => {
  const summary = await campaignResult(stack, campaignId);
  assert.equal(summary.status, 'completed');
  const scored = await stack.record.pool.query(
    'SELECT count(*)::int AS n FROM eval_receipts r JOIN experiments e ON e.id = r.experiment_id WHERE e.campaign_id = $1',
    [campaignId],
  );
  await page.goto(`${stack.apiUrl}/ui/campaigns/${campaignId}`);
  await page.locator('[data-testid=campaign-state]', { hasText: 'completed' }).waitFor();
  assert.equal(await page.locator('[data-testid=pgr-chart] circle.point').count(), scored.rows[0].n);
  await shot('campaign-completed');
  assert.deepEqual(pageErrors, []);
});
