import { DEV_WORKER_KEY_SEED, deriveWorkerKey } from '@crosscast/contracts';
import { forecastMessage, heartbeatMessage } from '../../../../test/support/forecast-factory';
import { verdictOf, verdictOfText } from './message-checks';

const key = deriveWorkerKey(DEV_WORKER_KEY_SEED, 'c1');
const forecast = () => forecastMessage('c1', ['n', 's'], '2026-01-05T08:00:00.000Z');

describe('verdictOf (the checks MessageCheckPool runs on its threads)', () => {
  it('passes a signed forecast and heartbeat as received', () => {
    expect(verdictOf('forecast', forecast(), key)).toEqual({ schema: null, signature: 'valid' });
    expect(verdictOf('heartbeat', heartbeatMessage('c1'), key)).toEqual({ schema: null, signature: 'valid' });
  });

  it('checks the schema first, then the signature under the given key', () => {
    const { horizons: _dropped, ...withoutHorizons } = forecast();
    expect(verdictOf('forecast', withoutHorizons, key)).toEqual({ schema: expect.stringContaining('horizons') });
    // A heartbeat is not a forecast.
    expect(verdictOf('forecast', heartbeatMessage('c1'), key)).toEqual({ schema: expect.any(String) });
    expect(verdictOf('forecast', { ...forecast(), seq: 99 }, key)).toEqual({ schema: null, signature: 'invalid' });
    expect(verdictOf('forecast', forecast(), deriveWorkerKey(DEV_WORKER_KEY_SEED, 'c2'))).toEqual({ schema: null, signature: 'invalid' });
    expect(verdictOf('forecast', forecast(), null)).toEqual({ schema: null, signature: 'no-key' });
  });

  it('takes the key as the bytes a thread receives (a Uint8Array, not a Buffer)', () => {
    expect(verdictOf('forecast', forecast(), new Uint8Array(key))).toEqual({ schema: null, signature: 'valid' });
  });

  it('answers text that is not JSON with an error (the pool then checks the parsed job itself)', () => {
    expect(verdictOfText({ kind: 'forecast', text: '{"crossingId":', key })).toEqual({ error: expect.any(String) });
    expect(verdictOfText({ kind: 'forecast', text: JSON.stringify(forecast()), key })).toEqual({ schema: null, signature: 'valid' });
  });
});
