import { ErrorCode } from '../../../core/errors.ts';
import { recordId } from '../../../core/ids.ts';
import { TRUCK_PRESENT } from '../bay-state.ts';
import { handoverDueAt } from '../deadlines.ts';
import type { Actor } from '../yard-basics.ts';
import type { ActionResult, Committed, YardEngine } from '../yard-engine.ts';
import { refuse } from '../yard-state.ts';
import { decideHandover, type HandoverRecord, type HandoverStepRequest } from './handover-machine.ts';

/**
 * A coordinator's hand-over step (yard request actions `handover-*`), under the bay's lock: the
 * machine decides (handover-machine.ts), the one record is committed, then applied; a seal
 * mismatch at the transfer is recorded in the record and alerted (`seal-mismatch`).
 */
export function runHandoverStep(
  engine: YardEngine,
  req: HandoverStepRequest,
  by: Actor,
): Promise<ActionResult> {
  const { bay } = req.data;
  return engine.onBay(bay, async (visitId) => {
    const b = engine.state.bay(bay);
    if (!b) return refuse(ErrorCode.NotFound, 'no-such-bay', `No bay ${bay}`);
    const now = engine.clock.now();
    const find = engine.opts.findTransit;
    const decision = decideHandover(
      {
        bay,
        visitId,
        handoverZone: b.def.zoneKind === 'handover',
        arrived: TRUCK_PRESENT.has(b.state),
        handover: b.visit?.handover,
        newId: recordId(engine.clock),
        dueAt: handoverDueAt(now, engine.opts.config),
        receivingTransitId: (plate, colour) => find?.(plate, colour),
        by,
      },
      req,
    );
    if (!decision.ok) return refuse(ErrorCode.IllegalTransition, decision.reason, decision.message);
    const rec = decision.record;
    const done = await commitRecord(engine, rec);
    if (done.ok && rec.type === 'handover-transferred' && rec.data.sealMismatch) {
      const plate = b.visit?.plate;
      const diff = [
        ...(rec.data.missing?.length ? [`not broken: ${rec.data.missing.join(', ')}`] : []),
        ...(rec.data.unexpected?.length ? [`not recorded: ${rec.data.unexpected.join(', ')}`] : []),
      ].join('; ');
      await engine.alert({
        kind: 'seal-mismatch',
        bay,
        visitId,
        ...(plate ? { plate } : {}),
        message: `Bay ${bay}: the seals broken are not those recorded (${diff})`.slice(0, 200),
      });
    }
    return done;
  });
}

/** Commits a record of the machine (its type and data belong together). */
function commitRecord(engine: YardEngine, rec: HandoverRecord): Promise<Committed> {
  const commit = engine.commit.bind(engine) as (type: string, data: unknown) => Promise<Committed>;
  return commit(rec.type, rec.data);
}
