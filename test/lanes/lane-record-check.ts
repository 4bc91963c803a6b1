import { LANE_RECORDS, type LaneRecordType } from '../../gateway/lanes/lane-records.ts';

/** Checks a lane record the harness collected against its schema (the `scan` record has none here). */
export const LaneRecordSchemas = {
  check(r: { type: string; data: unknown }): void {
    if (r.type === 'scan') return;
    LANE_RECORDS[r.type as LaneRecordType].parse(r.data);
  },
};
