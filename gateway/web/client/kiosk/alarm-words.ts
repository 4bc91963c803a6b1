import { celsius } from '../shared/format.ts';
import { isStringKey, type StringKey, t, tEnum } from '../shared/i18n.ts';
import { printProblemWords } from '../shared/printer-words.ts';
import type { AlarmParams } from './alarms.ts';

/**
 * An alarm in the screen's language, worded by the page from the alarm's kind and params (the
 * gateway sends codes and values; its English `message` is for the logs): what it is (title),
 * what happened (plate, temperature, device...) and what to do, in plain words.
 */
export interface AlarmWords {
  title: string;
  what: string;
  todo: string;
}

/** `here`: the kiosk's lane (a pass replayed on this lane is worded so). */
export function wordAlarm(kind: string, params: AlarmParams, here?: string): AlarmWords {
  const p = params;
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
  const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
  const temp = num('temperatureC');
  const device = str('device');
  const reason = str('reason');
  const vars: Record<string, string | number> = {
    plate: str('plate') ?? t('attn.noPlate'),
    temp: temp === undefined ? '—' : celsius(temp),
    bay: str('bay') ?? '—',
    device: device ? tEnum('device', device) : '—',
    reason: reason ? tEnum('reason', reason) : '—',
    lane: str('earlierLane') ?? '—',
    due: str('due') ?? '—',
    detector: str('detector') ?? '—',
    minutes: num('minutes') ?? '—',
    max: num('max') ?? '—',
    pct: num('pct') ?? '—',
    problem: printProblemWords(str('problem')),
  };
  const titleKey = `alarm.${kind}`;
  if (!isStringKey(titleKey)) {
    return { title: t('alarm.unknown'), what: '', todo: t('alarmDo.unknown') };
  }
  let what = `alarmWhat.${kind}`;
  let todo = `alarmDo.${kind}`;
  if (kind === 'device-offline' && num('sinceStart')) what = 'alarmWhat.device-offline-start';
  if (kind === 'pass-replayed' && (str('earlierLane') ?? here) === here)
    what = 'alarmWhat.pass-replayed-here';
  // A lane with several card printers names the one; with one, the id (a config id) is not shown.
  if (kind === 'printer' && device) what = 'alarmWhat.printer-of';
  if (kind === 'trust-list' && str('problem') === 'not-configured') what = 'alarmWhat.trust-list-missing';
  if (kind === 'isolate')
    todo = num('barrierOpen') ? 'alarmDo.isolate-open' : str('bay') ? todo : 'alarmDo.isolate-noBay';
  return {
    title: t(titleKey),
    what: isStringKey(what) ? t(what as StringKey, vars) : '',
    todo: t(isStringKey(todo) ? todo : 'alarmDo.unknown', vars),
  };
}
