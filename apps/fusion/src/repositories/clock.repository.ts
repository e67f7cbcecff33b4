import { Injectable } from '@nestjs/common';

/** Wall-clock time behind an injectable, so services stay plain logic. */
@Injectable()
export class ClockRepository {
  now(): Date {
    return new Date();
  }
}
