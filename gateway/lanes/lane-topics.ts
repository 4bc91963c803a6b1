import { ResponseSchema } from '../mqtt/envelope.ts';
import { recordSchema } from '../mqtt/record.ts';
import { def } from '../mqtt/topic-def.ts';
import {
  ALARM_KINDS,
  AlarmSchema,
  BarrierRecordSchema,
  DecisionRecordSchema,
  LaneStateSchema,
  MeasurementRecordSchema,
  StaffActionSchema,
  TransitEndSchema,
  TransitStartSchema,
  VerificationSchema,
} from './lane-records.ts';
import { LANE_REQUESTS } from './lane-requests.ts';

const record = (type: string, schema: Parameters<typeof recordSchema>[0], description: string) =>
  def({
    pattern: `gatepost/{site}/lane/{lane}/${type}`,
    schema: recordSchema(schema),
    retained: false,
    publisher: 'gateway',
    description: `${description} A record of the lane stream.`,
  });

/** The lanes' part of the topic tree (merged into TOPICS). */
export const LANE_TOPICS = {
  laneTransitStart: record(
    'transit-start',
    TransitStartSchema,
    "A vehicle began a transit (loop, first scan, a plate camera's sighting, or a tailgate).",
  ),
  laneVerification: record(
    'verification',
    VerificationSchema,
    'The verdict on a pass scanned for a transit, and whose it is (`seat`: a crew has a person per pass).',
  ),
  laneMeasurement: record(
    'measurement',
    MeasurementRecordSchema,
    "A temperature measured for a transit (the person scanned most recently without one takes it): by the lane's thermometer, a thermal camera (`method: camera`, `camera`) or by hand.",
  ),
  laneDecision: record(
    'decision',
    DecisionRecordSchema,
    "PASS, YARD, ISOLATE or REVIEW with every reason, by the rules or by staff; committed before the barrier moves. Since crews, `persons` has each person in the cab with their own outcome (the transit's is the worst), and the vehicle its `plateColour` and `trailerPlate`. With a plate camera, `sighting` is its read of the vehicle (a pass for another plate: REVIEW `plate-mismatch`); a truck without a pass that the central office announced is `pre-registered`, with the announcement in `preRegistration`.",
  ),
  laneBarrier: record('barrier', BarrierRecordSchema, 'A barrier command and how it ended.'),
  laneAlarm: record(
    'alarm',
    AlarmSchema,
    `An alarm, its \`kind\` one of: ${ALARM_KINDS.join(', ')} (\`active\` says raised or cleared for a condition that lasts).`,
  ),
  laneStaffAction: record(
    'staff-action',
    StaffActionSchema,
    'Audit entry of a staff request, accepted or refused.',
  ),
  laneTransitEnd: record(
    'transit-end',
    TransitEndSchema,
    'The vehicle cleared the lane, backed out, or the gateway restarted.',
  ),
  laneState: def({
    pattern: 'gatepost/{site}/lane/{lane}/state',
    schema: LaneStateSchema,
    retained: true,
    publisher: 'gateway',
    description:
      "What the lane is doing now, for the kiosk: mode, barrier, device health, the current transit (its plate, colour and trailer, and each person's line).",
  }),
  laneRequestRegister: def({
    pattern: 'gatepost/{site}/lane/{lane}/request/register',
    schema: LANE_REQUESTS.register,
    retained: false,
    publisher: 'staff',
    description:
      "Register a person without a phone by hand (plate, the plate's colour, the trailer's plate, name, ID number, origin, destination): they join the transit's crew.",
  }),
  laneRequestOverride: def({
    pattern: 'gatepost/{site}/lane/{lane}/request/override',
    schema: LANE_REQUESTS.override,
    retained: false,
    publisher: 'staff',
    description: "Override the current transit's decision; a reason is required and audited.",
  }),
  laneRequestBarrier: def({
    pattern: 'gatepost/{site}/lane/{lane}/request/barrier',
    schema: LANE_REQUESTS.barrier,
    retained: false,
    publisher: 'staff',
    description: 'Open or close the barrier by hand; the safety rules still apply (never onto a vehicle).',
  }),
  laneRequestMode: def({
    pattern: 'gatepost/{site}/lane/{lane}/request/mode',
    schema: LANE_REQUESTS.mode,
    retained: false,
    publisher: 'staff',
    description: 'Put the lane into maintenance, or back to automatic.',
  }),
  laneRequestReading: def({
    pattern: 'gatepost/{site}/lane/{lane}/request/reading',
    schema: LANE_REQUESTS.reading,
    retained: false,
    publisher: 'staff',
    description:
      "Enter a temperature staff took by hand (handheld infrared, contact, or a thermal camera's reading) for the person at the lane; °F is converted. A handheld or contact reading confirms or clears a screening fever (rules.feverConfirm).",
  }),
  laneResponse: def({
    pattern: 'gatepost/{site}/lane/{lane}/response/{action}',
    schema: ResponseSchema,
    retained: false,
    publisher: 'gateway',
    description: 'The reply to a lane request, matched by `transaction`.',
  }),
};
