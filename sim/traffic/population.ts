import type { PassHolder, PassKind, PassMint } from '../passes/pass-mint.ts';
import type { Random } from '../random.ts';
import type { PassMix } from '../scenario/schema.ts';

/** A person in the cab besides the driver: their own pass and temperature. */
export interface CrewMate {
  readonly role: 'co-driver' | 'escort';
  readonly holder: PassHolder;
  readonly passKind: PassKind;
  readonly code: string;
  readonly temperatureC: number;
  readonly fever: boolean;
}

/** How many share a cab: the driver alone mostly, a co-driver on long hauls, sometimes an escort. */
const CREW_SIZES = { '1': 0.7, '2': 0.22, '3': 0.08 } as const;

/** One simulated truck and its driver (and crew), as the devices will see them. */
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
  /** The others in the cab (0-2): a co-driver, an escort; each shows their own pass. */
  readonly crew: readonly CrewMate[];
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
 * seeded stream, so the n-th truck of a seed is always the same truck. Crews (1-3 in a cab) come
 * from a stream of their own: the drivers of a seed are the same with crews as before them.
 */
export class Population {
  private n = 0;
  private readonly crews: Random;

  constructor(
    private readonly random: Random,
    private readonly mint: PassMint,
  ) {
    this.crews = random.fork('crews');
  }

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
    const temperatureC = skinTemperature(r, fever);
    const passKind = r.weighted(mix);
    const code = this.mint.issue(passKind, holder, r);
    return { id, holder, passKind, code, temperatureC, fever, crew: this.crewOf(holder, mix, feverRate) };
  }

  /** The others in a cab: each their own holder (same plate and route), pass and temperature. */
  private crewOf(driver: PassHolder, mix: PassMix, feverRate: number): CrewMate[] {
    const c = this.crews;
    const size = Number(c.weighted(CREW_SIZES));
    const mates: CrewMate[] = [];
    for (let seat = 2; seat <= size; seat++) {
      const holder: PassHolder = {
        ...driver,
        sub: `crw-${c.nextUint32().toString(16).padStart(8, '0')}`,
        familyName: c.pick(FAMILY),
        givenName: c.pick(GIVEN),
        dateOfBirth: `${c.int(1960, 2002)}-${pad2(c.int(1, 12))}-${pad2(c.int(1, 28))}`,
      };
      const fever = c.chance(feverRate);
      const passKind = c.weighted(mix);
      mates.push({
        role: seat === 2 ? 'co-driver' : 'escort',
        holder,
        passKind,
        code: this.mint.issue(passKind, holder, c),
        temperatureC: skinTemperature(c, fever),
        fever,
      });
    }
    return mates;
  }
}

function skinTemperature(r: Random, fever: boolean): number {
  return round1(fever ? r.uniform(37.5, 39.5) : clamp(r.normal(36.6, 0.25), 35.8, 37.1));
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
