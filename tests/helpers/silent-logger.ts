import { pino } from 'pino';

/** A logger for tests: real pino, writing nothing unless AAR_TEST_LOG is set. */
export const testLogger = pino({ level: process.env.AAR_TEST_LOG ?? 'silent' });
