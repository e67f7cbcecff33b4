import { Server } from 'socket.io';
import { readFusionConfig } from '../config';
import { AuthService } from '../auth/auth.service';
import { CityRepository } from '../repositories/city.repository';
import { LiveGateway } from './live.gateway';

describe('LiveGateway', () => {
  it('emits city-wide events while running and nothing once the module is being destroyed (the Redis adapter closes next)', () => {
    const gateway = new LiveGateway({} as AuthService, readFusionConfig({}), {} as CityRepository);
    const emitted: string[] = [];
    gateway.server = { emit: (event: string) => emitted.push(event) } as unknown as Server;
    gateway.emit('recommendation-status', { crossingId: '0970', recommendationIds: ['1'], status: 'expired', byRecommendationId: null });
    gateway.onModuleDestroy();
    gateway.emit('recommendation-status', { crossingId: '0970', recommendationIds: ['2'], status: 'expired', byRecommendationId: null });
    expect(emitted).toEqual(['recommendation-status']);
  });
});
