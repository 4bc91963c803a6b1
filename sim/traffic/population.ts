import type { PassHolder, PassKind, PassMint } from '../passes/pass-mint.ts';
import type { Random } from '../random.ts';
import type { PassMix } from '../scenario/schema.ts';

/** One simulated truck and its driver, as the devices will see them. */
export interface Truck {
  /** `T0001`, in order of arrival. */
  readonly id: string;
  readonly holder: PassHolder;
  readonly passKind: PassKind;
  /** What the driver's phone or card shows the scanner. */
  readonly code: string;
  /** Skin temperature the thermometer will see, °C. */
  readonly temperatureC: number;
  readonly fever: boolean;
}

const PROVINCES = ['晋', '冀', '豫', '陕', '蒙', '京', '鲁', '皖', '川', '鄂'];
const PLATE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const FAMILY = [
  'Zhang',
  'Wang',
  'Li',
  'Zhao',
  'Liu',
  'Chen',
  'Yang',
  'Huang',
  'Wu',
  'Zhou',
  'Xu',
  'Sun',
  'Ma',
  'Zhu',
];
const GIVEN = [
  'Wei',
  'Fang',
  'Jun',
  'Lei',
  'Jing',
  'Qiang',
  'Min',
  'Yong',
  'Hua',
  'Tao',
  'Ping',
  'Gang',
  'Xin',
  'Bo',
];
const REGIONS = [
  '140100',
  '140400',
  '130100',
  '410100',
  '610100',
  '150100',
  '110000',
  '370100',
  '340100',
  '510100',
];

/**
 * Makes the trucks of a run: plates, drivers, temperatures and passes, all drawn from one
 * seeded stream, so the n-th truck of a seed is always the same truck.
 */
export class Population {
  private n = 0;

  constructor(
    private readonly random: Random,
    private readonly mint: PassMint,
  ) {}

  next(mix: PassMix, feverRate: number): Truck {
    const r = this.random;
    this.n++;
    const id = `T${String(this.n).padStart(4, '0')}`;
    const holder: PassHolder = {
      plate: `${r.pick(PROVINCES)}${r.pick([...PLATE_LETTERS])}${String(r.int(0, 99999)).padStart(5, '0')}`,
      sub: `drv-${r.nextUint32().toString(16).padStart(8, '0')}`,
      familyName: r.pick(FAMILY),
      givenName: r.pick(GIVEN),
      dateOfBirth: `${r.int(1960, 2002)}-${pad2(r.int(1, 12))}-${pad2(r.int(1, 28))}`,
      origin: r.pick(REGIONS),
      dest: r.pick(REGIONS),
    };
    const fever = r.chance(feverRate);
    const temperatureC = round1(fever ? r.uniform(37.5, 39.5) : clamp(r.normal(36.6, 0.25), 35.8, 37.1));
    const passKind = r.weighted(mix);
    return { id, holder, passKind, code: this.mint.issue(passKind, holder, r), temperatureC, fever };
  }
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
