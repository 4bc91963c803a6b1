import type { StoreTables } from './store-tables.ts';

/** One minute's sample of the real-time soak (docs/soak-realtime.json), measured from outside the gateway. */
export interface RealtimeSample {
  /** Real seconds since the traffic started. */
  t: number;
  /** Resident set size of the gateway process (/proc/<pid>/status VmRSS), MB. */
  rssMb: number;
  /** Of it, the process's own pages (RssAnon) and mapped files' pages (RssFile: the node binary's code, libraries), MB. */
  rssAnonMb: number;
  rssFileMb: number;
  /** The machine's 1-minute load average (what else ran beside the soak shows here). */
  loadAvg1: number;
  /** V8 heap in use right after a full GC (the gateway runs with --expose-gc), MB. */
  heapUsedMb: number;
  heapTotalMb: number;
  /** The same heap space by space after the GC (v8.getHeapSpaceStatistics space_used_size), MB. */
  heapSpacesMb?: Record<string, number>;
  /** What of the heap is code (v8.getHeapCodeStatistics), MB: machine code with its metadata, bytecode with its, and script sources held outside the heap. */
  heapCodeMb?: { code: number; bytecode: number; scriptSource: number };
  /** Memory of C++ objects bound to JavaScript, MB; array buffers are part of it. */
  externalMb: number;
  arrayBuffersMb: number;
  /** Entries of /proc/<pid>/fd. */
  fds: number;
  /** process.getActiveResourcesInfo() of the gateway's main thread: all, and its timers. */
  handles: number;
  timers: number;
  /** The gateway's event-loop lag p99 and max over its last 10 s window (/metrics), ms. */
  loopLagP99Ms: number;
  loopLagMaxMs: number;
  /** The store's database file and its WAL, MB. */
  storeMb: number;
  walMb: number;
  /** What the store holds, table by table (bench/soak/store-tables.ts); absent when it could not be read. */
  store?: StoreTables;
  /** Records not yet acknowledged by the central broker (gatepost_uplink_backlog_records). */
  pending: number;
  uplinkConnected: boolean;
  /** The central broker was down at this sample, or came back less than the grace period ago. */
  outage: boolean;
  decisions: number;
  transitsStarted: number;
  transitsEnded: number;
  /** Started less ended: the transits in progress. */
  transitsOpen: number;
  /** The longest a lane has held one transit open with none of its transits ending (s, at sample resolution). */
  oldestOpenTransitS: number;
  /** Transits ended so far: the x of the slopes. */
  transits: number;
  records: number;
  deviceErrors: number;
  alarms: number;
  /** Distinct decision records the central broker's subscriber has received. */
  centralDecisions: number;
  /** The simulator's counts: trucks parked in a bay, in the yard now, left the yard. */
  parked: number;
  inYard: number;
  leftYard: number;
}
