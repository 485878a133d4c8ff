/** Length of a run of consecutive labels that counts as a leak. */
export const LEAK_RUN = 12;

/**
 * The first window of `LEAK_RUN` consecutive labels (of any of `sequences`) that `text`
 * contains, written as digits joined by commas, by nothing, or by spaces; null when none.
 * Random labels make an accidental match of twelve of them astronomically unlikely.
 */
export function findLabelRun(text: string, sequences: readonly (readonly number[])[]): string | null {
  const compact = text.replace(/\s+/g, '');
  for (const labels of sequences) {
    for (let start = 0; start + LEAK_RUN <= labels.length; start++) {
      const window = labels.slice(start, start + LEAK_RUN);
      for (const form of [window.join(','), window.join(''), window.join(', ')]) {
        if (text.includes(form) || compact.includes(form.replace(/\s+/g, ''))) return form;
      }
    }
  }
  return null;
}
