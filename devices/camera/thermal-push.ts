import { field, identifier, numeric, text } from './body-text.ts';

/** Skin temperatures outside this range are not a person's (the thermometer's plausible range). */
export const PLAUSIBLE_C = { min: 30, max: 45 } as const;
/** Objects visited while looking for the temperature in a document (a budget, not a depth). */
const MAX_VISITED = 2000;

export type TemperatureUnit = 'celsius' | 'fahrenheit' | 'kelvin';

/** What one thermal camera push says. */
export interface TemperatureRead {
  /** °C, converted from the camera's unit and rounded to 0.01. */
  objectC: number;
  /** The value and unit as the camera sent them. */
  value: number;
  unit: TemperatureUnit;
  /** The camera's own verdict (`isAbnomalTemperature`), if it gave one. */
  abnormal?: boolean;
  /** The camera's alarm threshold in °C, if it gave one. */
  thresholdC?: number;
  cameraAt?: number;
  eventId?: string;
  eventType: string;
}

export type ThermalPushResult =
  | { kind: 'read'; read: TemperatureRead }
  | { kind: 'other'; eventType: string }
  | { kind: 'refused'; reason: 'no-temperature' | 'implausible' | 'bad-unit'; message: string };

/** Converts a reading to °C (0.01 resolution). */
export function toCelsius(value: number, unit: TemperatureUnit): number {
  const c = unit === 'fahrenheit' ? ((value - 32) * 5) / 9 : unit === 'kelvin' ? value - 273.15 : value;
  return Math.round(c * 100) / 100;
}

function unitOf(word: string | undefined): TemperatureUnit | undefined {
  if (word === undefined) return 'celsius';
  const w = word.trim().toLowerCase();
  if (w === 'celsius' || w === 'c' || w === '°c' || w === '0') return 'celsius';
  if (w === 'fahrenheit' || w === 'f' || w === '°f' || w === '1') return 'fahrenheit';
  if (w === 'kelvin' || w === 'k' || w === '2') return 'kelvin';
  return undefined;
}

/**
 * Reads a thermal camera's parsed body. Hikvision's body-temperature and thermometry alarms put
 * `currTemperature` (with `thermometryUnit`, `isAbnomalTemperature`, `alarmTemperature` or
 * `ruleTemperature` beside it) at different depths by event type (`faceCapture` → faces, `TMA`
 * and `TMPA` → their own element, `AccessControllerEvent`), so the first object holding it is
 * taken, searched breadth-first within a budget; the unit may also sit on an enclosing object.
 * The generic JSON shape is `{ "temperature": 37.2, "unit": "celsius" | "fahrenheit" }`.
 */
export function readThermalPush(doc: unknown): ThermalPushResult {
  const root = field(doc, 'EventNotificationAlert') ?? doc;
  const named = field(root, 'eventType');
  const eventType = identifier(named) ?? (text(named) === undefined ? 'generic' : 'unnamed');
  if (/^(videoloss|heartbeat)$/i.test(eventType)) return { kind: 'other', eventType };
  const found = findReading(root);
  if (!found)
    return {
      kind: 'refused',
      reason: 'no-temperature',
      message: `no currTemperature in the ${eventType} body`,
    };
  const unit = unitOf(found.unit);
  if (!unit)
    return {
      kind: 'refused',
      reason: 'bad-unit',
      message: 'temperature unit is not celsius, fahrenheit or kelvin',
    };
  const objectC = toCelsius(found.value, unit);
  if (objectC < PLAUSIBLE_C.min || objectC > PLAUSIBLE_C.max)
    return { kind: 'refused', reason: 'implausible', message: `${objectC} °C is not a skin temperature` };
  const abnormal =
    text(field(found.at, 'isAbnomalTemperature')) ?? text(field(found.at, 'isAbnormalTemperature'));
  const threshold =
    numeric(field(found.at, 'alarmTemperature')) ?? numeric(field(found.at, 'ruleTemperature'));
  const at = text(field(root, 'dateTime')) ?? text(field(root, 'at'));
  const cameraAt = at === undefined ? Number.NaN : /^\d+$/.test(at) ? Number(at) : Date.parse(at);
  const eventId =
    identifier(field(root, 'UUID')) ?? identifier(field(root, 'uid')) ?? identifier(field(root, 'eventId'));
  return {
    kind: 'read',
    read: {
      objectC,
      value: found.value,
      unit,
      eventType,
      ...(abnormal === 'true' || abnormal === 'false' ? { abnormal: abnormal === 'true' } : {}),
      ...(threshold === undefined ? {} : { thresholdC: toCelsius(threshold, unit) }),
      ...(Number.isFinite(cameraAt) ? { cameraAt } : {}),
      ...(eventId ? { eventId } : {}),
    },
  };
}

interface Found {
  value: number;
  unit: string | undefined;
  at: unknown;
}

function findReading(root: unknown): Found | undefined {
  const queue: { node: unknown; unit: string | undefined }[] = [{ node: root, unit: undefined }];
  let visited = 0;
  while (queue.length > 0 && visited < MAX_VISITED) {
    const { node, unit: outer } = queue.shift() as { node: unknown; unit: string | undefined };
    visited++;
    if (Array.isArray(node)) {
      for (const n of node) queue.push({ node: n, unit: outer });
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const unit = text(field(node, 'thermometryUnit')) ?? text(field(node, 'unit')) ?? outer;
    const value = numeric(field(node, 'currTemperature')) ?? numeric(field(node, 'temperature'));
    if (value !== undefined) return { value, unit, at: node };
    for (const v of Object.values(node))
      if (v !== null && typeof v === 'object') queue.push({ node: v, unit });
  }
  return undefined;
}
