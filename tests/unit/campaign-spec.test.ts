import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CampaignSpec, withAgentDefaults } from '../../core/campaign-spec.js';
import { parseWith } from '../../core/validation.js';

test("campaign-wide agent settings reach every agent, and an agent's own settings win", () => {
  const spec = withAgentDefaults(
    parseWith(
      CampaignSpec,
      {
        apiVersion: 'aar/v1',
        name: 'n',
        task: 'mnist1d',
        agents: [{ id: 'a' }, { id: 'b', settings: { model: 'claude-opus-4-1' } }],
        agentDefaults: { settings: { model: 'claude-sonnet-4-6', temperature: 0.2 } },
      },
      'spec',
    ),
  );
  assert.deepEqual(spec.agents[0]?.settings, { model: 'claude-sonnet-4-6', temperature: 0.2 });
  assert.deepEqual(spec.agents[1]?.settings, { model: 'claude-opus-4-1', temperature: 0.2 });
});
