/**
 * Judges a finished real-time soak's result again with today's targets (bench/soak/targets.ts),
 * in place: `node --import tsx bench/soak/recheck-targets.ts <soak-realtime.json> <config.yaml>`.
 * For a run whose targets were computed by an older harness (the store check's retention
 * horizon, say), or a run cut off before it reported (its process killed: the file still says
 * `running`, with every sample taken until then); the samples are not touched, and the file says
 * when and why it was judged again. A cut-off run has no drained last sample: the lost-decision
 * check gives no verdict.
 */
import { readFileSync } from 'node:fs';
import { loadConfigFile } from '../../site-config/load.ts';
import { isoNow, type RealtimeSoakResult, writeRealtimeResult } from './realtime-result.ts';
import { longestYardStayS } from './realtime-scenario.ts';
import { checkTargets, retentionHorizonS } from './targets.ts';

const [file, configFile] = process.argv.slice(2);
if (!file || !configFile) {
  process.stderr.write('usage: recheck-targets.ts <soak-realtime.json> <site config the soak ran>\n');
  process.exit(2);
}
const result = JSON.parse(readFileSync(file, 'utf8')) as RealtimeSoakResult;
if (result.status === 'failed') throw new Error(`${file}: the run failed (${result.error ?? 'no reason'})`);
const cutOff = result.status === 'running';
const storage = loadConfigFile(configFile).storage;
// A finished run's last sample is the one taken after the traffic stopped and the backlog drained.
const samples = cutOff ? result.samples : result.samples.slice(0, -1);
const final = cutOff ? undefined : result.samples.at(-1);
// The warm-up share the run used; runs from before 2026-12-07 state it in their conditions only
// ("the first 20 % of the run is a warm-up").
const warmUp =
  result.warmUpShare ??
  Number(/the first ([\d.]+) % of the run is a warm-up/.exec(result.conditions.length ?? '')?.[1] ?? 20) /
    100;
const horizonS = retentionHorizonS(storage, longestYardStayS());
result.targets = checkTargets({
  samples,
  warmUpShare: warmUp,
  retentionHorizonS: horizonS,
  final,
});
result.conditions.rejudged = `${isoNow()}: targets judged again by bench/soak/recheck-targets.ts (store check from ${Math.round(horizonS / 60)} min: the longest retention, counted from the last yard event of the longest stay, plus a maintenance run)${cutOff ? `; the run was cut off after ${result.samples.length} samples, before it drained and reported` : ''}`;
writeRealtimeResult(result, file);
for (const t of result.targets)
  process.stdout.write(`${t.ok === undefined ? '?' : t.ok ? 'met' : 'MISSED'}  ${t.name}: ${t.measured}\n`);
