import type { SoundClass } from '../shared/attention-sound.ts';
import { alarmClass, type KioskAlarm } from './alarms.ts';

/**
 * What wants the staff's attention at the kiosk, most urgent first: open alarms, the gateway
 * lost, a truck waiting for REVIEW. Each has a sound class; the first one not yet silenced is
 * what the kiosk plays and shows in its attention strip. Order: a fever or an isolation, the
 * gateway lost, the lane's safety alarms, a truck waiting for REVIEW, devices and the rest;
 * newest first within alarms of one class. A silenced item (the gateway lost or a REVIEW that
 * staff said they saw) goes after the others: it shows still, without sound. Pure data.
 */
export type AttentionItem =
  | { kind: 'alarm'; alarm: KioskAlarm; sound: SoundClass; silenced: false }
  | { kind: 'gateway'; sound: 'gateway'; silenced: boolean }
  | { kind: 'review'; transitId: string; plate: string | undefined; sound: 'review'; silenced: boolean };

export interface AttentionInput {
  /** Open alarms, most severe first (AlarmList.open()). */
  alarms: readonly KioskAlarm[];
  gatewayLost: boolean;
  gatewaySilenced: boolean;
  review: { transitId: string; plate: string | undefined } | undefined;
  reviewSilenced: boolean;
}

const RANK: Record<SoundClass, number> = { fever: 0, gateway: 1, lane: 2, review: 3, device: 4 };
const ALARM_SOUND = { life: 'fever', lane: 'lane', device: 'device' } as const;

export function attentionItems(i: AttentionInput): AttentionItem[] {
  const items: AttentionItem[] = i.alarms.map((alarm) => ({
    kind: 'alarm',
    alarm,
    sound: ALARM_SOUND[alarmClass(alarm.kind)],
    silenced: false,
  }));
  if (i.gatewayLost) items.push({ kind: 'gateway', sound: 'gateway', silenced: i.gatewaySilenced });
  if (i.review) items.push({ kind: 'review', ...i.review, sound: 'review', silenced: i.reviewSilenced });
  // A stable sort keeps the alarms' own order (newest first) within a class.
  return items.sort((a, b) => Number(a.silenced) - Number(b.silenced) || RANK[a.sound] - RANK[b.sound]);
}

/** The class to sound: the first item not silenced. */
export function soundFor(items: readonly AttentionItem[]): SoundClass | undefined {
  return items.find((x) => !x.silenced)?.sound;
}
