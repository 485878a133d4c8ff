import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDeeperThan } from '../../server/http/json-depth.js';

test('counts nested arrays and objects up to the limit', () => {
  assert.equal(jsonDeeperThan('[[{"a":[1]}]]', 4), false);
  assert.equal(jsonDeeperThan('[[{"a":[[1]]}]]', 4), true);
});

test('ignores brackets inside strings, escaped quotes included', () => {
  assert.equal(jsonDeeperThan(JSON.stringify({ s: '[[[[[[{{{{' }), 1), false);
  assert.equal(jsonDeeperThan(JSON.stringify({ s: 'a\\"[[[["' }), 1), false);
  assert.equal(jsonDeeperThan(JSON.stringify(['\\', [[1]]]), 2), true);
});

test('reads a 200,000-deep body without recursion', () => {
  assert.equal(jsonDeeperThan(`${'['.repeat(200_000)}${']'.repeat(200_000)}`, 64), true);
});
