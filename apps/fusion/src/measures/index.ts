import { MeasuresController } from './measures.controller';
import { SignalEventLogConsumer } from './signal-event-log.consumer';
import { SignalEventLogRepository } from './signal-event-log.repository';
import { SignalEventLogService } from './signal-event-log.service';

/** ATSPM performance measures: the simulator's controller event logs in, the measures out over REST. */
export const MEASURES_CONTROLLERS = [MeasuresController];
export const MEASURES_PROVIDERS = [SignalEventLogRepository, SignalEventLogService, SignalEventLogConsumer];
