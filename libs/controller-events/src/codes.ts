/**
 * The Indiana "Hi-Resolution Data Logger Enumerations" event codes that Crosscast reads
 * (the subset ATSPM's performance measures use). The parameter of a phase event is the
 * phase number; of a detector event, the detector channel.
 */
export const EventCode = {
  PhaseBeginGreen: 1,
  PhaseGapOut: 4,
  PhaseMaxOut: 5,
  PhaseForceOff: 6,
  PhaseGreenTermination: 7,
  PhaseBeginYellow: 8,
  PhaseEndYellow: 9,
  PhaseBeginRedClearance: 10,
  PhaseEndRedClearance: 11,
  PedestrianBeginWalk: 21,
  PedestrianBeginClearance: 22,
  PedestrianBeginDontWalk: 23,
  DetectorOff: 81,
  DetectorOn: 82,
  CoordPatternChange: 131,
} as const;

export type EventCodeName = keyof typeof EventCode;

/** One controller event. `localMs` is the controller's wall-clock time read as if it were UTC. */
export interface ControllerEvent {
  signalId: string;
  /** Wall-clock time as the controller logged it (local, no zone), as epoch ms "in UTC". */
  localMs: number;
  code: number;
  param: number;
  /** 1-based line in the source file, for messages. */
  line: number;
}
