import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CliError, writeOutput } from '../../cli/command.js';

const scratch = mkdtempSync(join(tmpdir(), 'aar-out-'));

test('an --out folder that does not exist yet is created', async () => {
  const path = join(scratch, 'reports', 'june', 'c1-report.md');
  await writeOutput(path, '# report\n', '--out folder');
  assert.equal(readFileSync(path, 'utf8'), '# report\n');
});

test('a path that cannot be written fails with the path, the reason and the option to change', async () => {
  const file = join(scratch, 'a-file');
  writeFileSync(file, 'x');
  await assert.rejects(writeOutput(join(file, 'c1-report.md'), 'x', '--out folder'), (error: unknown) => {
    assert.ok(error instanceof CliError);
    assert.equal(error.exitCode, 1);
    assert.equal(
      error.message,
      `cannot write ${file}/c1-report.md: a part of the path is a file, not a folder; choose another --out folder`,
    );
    return true;
  });
});
