#!/usr/bin/env node
// `npm run release [-- --out DIR]`: the release tarball, DIR/gatepost-<version>.tgz (default
// release/). What a box needs and nothing else:
//   dist/        the release build (bin/bundle.js buildRelease): the gateway as plain ES modules
//                and the web pages prebuilt (dist/web/)
//   bin/         gatepost.js (runs dist/), dist.js, bundle.js, gatepost-switch.sh (upgrades, rollback)
//                and core/module-build.js, which bundle.js imports
//   data files   the sources' data read at run time beside where the sources were
//                (gateway/passes/dcc-schemas/, sim/scenarios/ for the demo)
//   config/ ops/ docs/ README.md   the default config, the systemd unit and udev rules, the docs
//   package.json a generated one: the runtime dependencies only (no esbuild, no tsx: a release
//                never builds), with the repository's package-lock.json pruned to them as
//                npm-shrinkwrap.json, so that `npm ci --omit=dev` installs exactly the tested versions
// The tarball is made by `npm pack` of that folder (its entries under package/, as npm's are).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRelease } from './bundle.js';
import { ROOT } from './dist.js';

/** Build-time only: the release runs dist/ and never builds. */
const BUILD_ONLY = new Set(['esbuild', 'tsx']);
/** What the release carries from the repository, beside dist/. */
const COPY = [
  'bin/gatepost.js',
  'bin/dist.js',
  'bin/bundle.js',
  'core/module-build.js',
  'bin/gatepost-switch.sh',
  'gateway/passes/dcc-schemas',
  'sim/scenarios',
  'config',
  'ops',
  'docs',
  'README.md',
];

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(ROOT, 'release'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const stage = join(out, `stage-${process.pid}`, 'gatepost');
rmSync(join(out, `stage-${process.pid}`), { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
try {
  const t0 = performance.now();
  const manifest = await buildRelease(join(stage, 'dist'));
  for (const path of COPY) {
    if (!existsSync(join(ROOT, path))) throw new Error(`release: ${path} is missing`);
    cpSync(join(ROOT, path), join(stage, path), { recursive: true });
  }
  const dependencies = Object.fromEntries(
    Object.entries(pkg.dependencies).filter(([n]) => !BUILD_ONLY.has(n)),
  );
  const released = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    type: 'module',
    engines: pkg.engines,
    bin: { gatepost: './bin/gatepost.js' },
    scripts: { start: 'node bin/gatepost.js start' },
    dependencies,
    overrides: pkg.overrides,
    gatepost: { release: true, builtAt: manifest.builtAt, node: manifest.node },
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(released, null, 2)}\n`);
  // The repository's lock, pruned to what this package.json needs; the versions stay the locked ones.
  cpSync(join(ROOT, 'package-lock.json'), join(stage, 'package-lock.json'));
  const npm = (args) =>
    execFileSync('npm', args, { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  npm(['install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund']);
  const lock = JSON.parse(readFileSync(join(stage, 'package-lock.json'), 'utf8'));
  for (const name of BUILD_ONLY) {
    if (lock.packages?.[`node_modules/${name}`] && !lock.packages[`node_modules/${name}`].dev) {
      // Still wanted by a runtime dependency: say so rather than ship a release that needs it.
      process.stderr.write(`release: ${name} is still a runtime dependency of something\n`);
    }
  }
  // npm pack leaves package-lock.json out of a tarball; npm-shrinkwrap.json is the lock a
  // published package carries, and npm ci installs from it.
  renameSync(join(stage, 'package-lock.json'), join(stage, 'npm-shrinkwrap.json'));
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', out]));
  const tarball = join(out, packed[0].filename);
  process.stdout.write(
    `${tarball}\n  ${packed[0].entryCount} files, ${(packed[0].size / 1e6).toFixed(1)} MB, ` +
      `${Object.keys(dependencies).length} runtime dependencies, in ${Math.round(performance.now() - t0)} ms\n`,
  );
} finally {
  rmSync(join(out, `stage-${process.pid}`), { recursive: true, force: true });
}
