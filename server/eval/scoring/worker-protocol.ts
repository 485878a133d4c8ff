import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

/** A task for a worker: which function, and its input (structured-cloned). */
export interface TaskMessage {
  readonly id: number;
  readonly task: string;
  readonly input: unknown;
}

/**
 * What a worker says: that it has loaded (once, first), or a task's answer: its output (typed
 * arrays transferred) or the message it threw.
 */
export type ResultMessage =
  | { readonly ready: true }
  | { readonly id: number; readonly ok: true; readonly output: unknown }
  | { readonly id: number; readonly ok: false; readonly message: string };

/**
 * Runs in a worker thread: answers each task message with the output of the function of that
 * name. A task that throws answers its message (a bug in scoring, not in the worker); anything
 * that kills the thread is the pool's to handle.
 */
export function serveTasks(tasks: Readonly<Record<string, (input: never) => unknown>>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveTasks runs in a worker thread');
  port.on('message', (message: TaskMessage) => {
    let answer: ResultMessage;
    try {
      const run = tasks[message.task];
      if (run === undefined) throw new Error(`no scoring task ${message.task}`);
      const output = run(message.input as never);
      port.postMessage({ id: message.id, ok: true, output } satisfies ResultMessage, buffersOf(output));
      return;
    } catch (error) {
      answer = { id: message.id, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(answer);
  });
  port.postMessage({ ready: true } satisfies ResultMessage);
}

/** The buffers of the typed arrays in a task's output, to transfer instead of copying. */
function buffersOf(value: unknown, into: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) into.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const item of value) buffersOf(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) buffersOf(item, into);
  }
  return [...into];
}

/**
 * Lowers the calling thread's scheduling priority (Linux: niceness is per thread, and
 * `/proc/thread-self` names the thread). A thread that only computes what nobody waits for then
 * yields the CPU to the threads that answer requests. Best effort: elsewhere it does nothing.
 */
export function lowerThreadPriority(niceness: number): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, niceness);
  } catch {
    // Not Linux, or not allowed: the thread keeps its priority.
  }
}
