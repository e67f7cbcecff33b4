import { explainWorkerError, workerErrorKind } from './queue.repository';

describe('worker error kinds', () => {
  it('names the kind without the job, so one kind is logged once in a row', () => {
    const first = workerErrorKind('Missing lock for job 3122_2006-11-01T14_30_00.000Z. moveToFinished');
    const second = workerErrorKind('Missing lock for job 4051_2006-11-01T14_30_00.000Z. moveToFinished');
    expect(first).toBe('Missing lock for job … moveToFinished');
    expect(second).toBe(first);
    expect(workerErrorKind('connect ECONNREFUSED 127.0.0.1:6379')).toBe('connect ECONNREFUSED 127.0.0.1:6379');
  });

  it('explains the lock and key errors a Redis restart leaves behind, and nothing else', () => {
    expect(explainWorkerError(workerErrorKind('Missing lock for job 1. moveToFinished'))).toMatch(/nothing is lost/);
    expect(explainWorkerError(workerErrorKind('Missing key for job 1. moveToDelayed'))).toMatch(/nothing is lost/);
    expect(explainWorkerError(workerErrorKind('read ECONNRESET'))).toBe('');
  });
});
