import { AlertAcknowledgementsRepository } from './alert-acknowledgements.repository';
import { AlertAcknowledgementsService } from './alert-acknowledgements.service';
import { AlertsController } from './alerts.controller';

/** The operator alerts the server keeps: shared acknowledgements (the congestion verdict lives with the crossing status). */
export const ALERTS_CONTROLLERS = [AlertsController];
export const ALERTS_PROVIDERS = [AlertAcknowledgementsRepository, AlertAcknowledgementsService];
