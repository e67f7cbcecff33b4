/**
 * A message checker thread (MessageCheckPool): takes batches of message texts, answers
 * with one verdict each (schema, then signature), in order. It holds no state: every
 * request carries its crossing's key.
 */
import { parentPort } from 'node:worker_threads';
import { CheckAnswer, CheckRequest, verdictOfText } from './message-checks';

export interface CheckBatch {
  id: number;
  requests: CheckRequest[];
}

export interface CheckBatchAnswer {
  id: number;
  answers: CheckAnswer[];
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (batch: CheckBatch) => {
    const answer: CheckBatchAnswer = { id: batch.id, answers: batch.requests.map(verdictOfText) };
    port.postMessage(answer);
  });
}
