import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentStatusTable, type CampaignViewLike, percentBar } from '../../cli/render/campaign-view.js';
import { csv, csvCell } from '../../cli/render/csv.js';
import { table } from '../../cli/render/table.js';
import { clip, plain } from '../../cli/render/text.js';
import { serverEvents } from '../../cli/sse.js';

test('agent text cannot drive the terminal: control characters are shown, not sent', () => {
  assert.equal(plain('red \u001b[31mtext\u0007'), 'red \\x1b[31mtext\\x07');
  assert.equal(plain('two\nlines'), 'two lines');
  assert.equal(plain('two\nlines', true), 'two\nlines');
});

test('clips long text with an ellipsis', () => {
  assert.equal(clip('abcdef', 4), 'abc…');
  assert.equal(clip('abc', 4), 'abc');
});

test('a table pads every column but the last', () => {
  assert.equal(
    table(
      ['a', 'bb'],
      [
        ['xyz', 'long free text'],
        ['1', '2'],
      ],
    ),
    'a    bb\n---  --------------\nxyz  long free text\n1    2',
  );
});

test('CSV cells are quoted when needed, and formulas in text are neutralised', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a, "b"'), '"a, ""b"""');
  assert.equal(csvCell('=HYPERLINK("http://x")'), '"\'=HYPERLINK(""http://x"")"');
  assert.equal(csvCell('-0.25'), '-0.25', 'a negative number stays a number');
  assert.equal(csvCell(-0.25), '-0.25');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell([1, 2]), '"[1,2]"');
  assert.equal(csv(['a', 'b'], [{ a: 1, b: 'x' }]), 'a,b\r\n1,x\r\n');
});

test('the status table shows running and queued apart, and the budget an agent used', () => {
  const view: CampaignViewLike = {
    id: 'c',
    name: 'n',
    taskId: 't',
    status: 'running',
    createdAt: new Date().toISOString(),
    paused: false,
    stopping: null,
    temporalUrl: 'http://t',
    budget: {
      limits: null,
      perAgent: { experiments: 4 },
      experimentsGranted: 3,
      gpuHours: 0,
      fractionUsed: 0,
    },
    agents: [
      {
        id: 'agent-1',
        state: 'running',
        experiments: { done: 1, running: 2, failed: 0, queued: 1 },
        best: { pgr: 0.25 },
        currentHypothesis: 'try \u001b[2J this',
        gpuSeconds: 0,
        live: false,
        detail: null,
      },
    ],
  };
  const lines = agentStatusTable(view).split('\n');
  assert.match(lines[2]!, /^agent-1 +running\? +1 +1 +1 +0 +0\.250 +25 % +try \\x1b\[2J this$/);
  assert.equal(percentBar(0.5, 10), '[#####-----] 50 %');
});

test('server-sent events are read across chunk boundaries, comments skipped', async () => {
  const chunks = [': keep-alive\n\nevent: snap', 'shot\ndata: {"a":1}\n\n', 'data: x\ndata: y\n\n'];
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
  const events = [];
  for await (const e of serverEvents(body)) events.push(e);
  assert.deepEqual(events, [
    { event: 'snapshot', data: '{"a":1}' },
    { event: 'message', data: 'x\ny' },
  ]);
});
