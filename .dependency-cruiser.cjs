// The architecture, checked: which folder may import which, the layers inside gateway/, and no
// cycles. test/architecture/boundaries.test.ts runs it on the sources as part of `npm test`
// (and shows on a fixture tree that each rule fires); by hand: `npx depcruise -c
// .dependency-cruiser.cjs core devices broker site-config gateway sim bin`. The README's
// Architecture section describes the same rules; change both together.

/** Every top-level folder of the project's code (npm packages and node: modules are not). */
const PROJECT = '^(bin|bench|broker|core|devices|gateway|sim|site-config|test)/';

/** The rule for a folder that may import, of the project, only itself and the folders in `may`. */
const importsOnly = (name, folder, may, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: `^${folder}/` },
  to: { path: PROJECT, pathNot: `^(${[folder, ...may].join('|')})/` },
});

/**
 * The layers inside gateway/, lowest first: a module may import its own layer and the ones below,
 * never one above. A module belongs to the first layer whose `path` it matches (and not `pathNot`).
 * The MQTT contract sits low: the topic table (gateway/mqtt/topics.ts) gathers the sections the
 * lanes and the yard keep beside their code (zod schemas only, browser-safe: the pages import them).
 */
const LAYERS = [
  {
    name: 'base',
    what: 'what the gateway is given to start (GatewayDeps) and its version',
    path: '^gateway/(gateway-deps|version)[.]ts$',
  },
  { name: 'passes', what: 'pass decoding and verification, trust lists', path: '^gateway/passes/' },
  {
    name: 'contract',
    what: 'the MQTT contract: topic table, envelopes, records, the payloads of the gateway itself, its client',
    path: [
      '^gateway/mqtt/',
      '^gateway/lanes/(decision-schema|lane-records|lane-requests|lane-topics|temperature-reading)[.]ts$',
      '^gateway/yard/(yard-payloads|yard-topics|yard-basics|handover/handover-payloads|handover/handover-topics)[.]ts$',
      '^gateway/cards/(card-payloads|card-topics)[.]ts$',
      '^gateway/downlink/(envelope|downlink-topics)[.]ts$',
    ],
  },
  {
    name: 'store',
    what: 'SQLite record store, outbox, storage guard, record sink',
    path: ['^gateway/store/', '^gateway/record-sink[.]ts$'],
  },
  {
    name: 'domain',
    what: 'the lanes, the yard, the cards and the cameras, and the device-error collapser they share',
    path: ['^gateway/(lanes|yard|cards|cameras)/', '^gateway/device-error-collapser[.]ts$'],
  },
  { name: 'uplink', what: 'the uplink to the central broker', path: '^gateway/uplink/' },
  { name: 'downlink', what: 'signed envelopes from the central office', path: '^gateway/downlink/' },
  { name: 'web', what: 'the web server and pages', path: '^gateway/web/' },
  { name: 'ops', what: 'metrics, readiness, clock check, the ops listener', path: '^gateway/ops/' },
  { name: 'app', what: 'the composition root', path: '^gateway/app[.]ts$' },
  { name: 'entry', what: 'the CLI commands and the docs generator', path: '^gateway/(cli|docs)/' },
];

const asList = (p) => (Array.isArray(p) ? p : [p]);
/** A module's layer is the first that matches: so a layer's modules are not those of earlier ones. */
const layerMatcher = (i) => ({
  path: asList(LAYERS[i].path),
  ...(i > 0 ? { pathNot: LAYERS.slice(0, i).flatMap((l) => asList(l.path)) } : {}),
});

const layerRules = LAYERS.flatMap((lower, i) =>
  LAYERS.slice(i + 1).map((upper, k) => ({
    name: `gateway-layer-${lower.name}-not-${upper.name}`,
    severity: 'error',
    comment: `gateway/ ${lower.name} (${lower.what}) sits below ${upper.name} (${upper.what}): it may not import it`,
    from: layerMatcher(i),
    to: layerMatcher(i + 1 + k),
  })),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No module reaches itself through its imports (type-only imports count).',
      from: {},
      to: { circular: true },
    },
    importsOnly(
      'core-imports-nothing',
      'core',
      [],
      'core/ imports nothing of the project: every other folder may use it.',
    ),
    importsOnly(
      'devices-import-only-core',
      'devices',
      ['core'],
      'devices/ (the drivers) import only core/ and themselves: they know nothing of lanes or the yard.',
    ),
    importsOnly(
      'broker-imports-only-core',
      'broker',
      ['core'],
      'broker/ imports only core/ and itself: it knows nothing of lanes, the yard or the store.',
    ),
    importsOnly(
      'site-config-imports-only-core-devices-broker',
      'site-config',
      ['core', 'devices', 'broker'],
      'site-config/ (the site config schema and loader, shared by the gateway and the simulator) imports core/ and the device and broker config sections only.',
    ),
    importsOnly(
      'sim-imports-no-gateway',
      'sim',
      ['core', 'devices', 'site-config'],
      'sim/ (the simulator) is outside the gateway: it may use core/, devices/ and site-config/, never gateway/ or broker/ internals.',
    ),
    {
      name: 'gateway-imports-no-sim',
      severity: 'error',
      comment:
        'gateway/ may import core/, devices/, broker/ and site-config/; only the CLI joins the simulator, at its two entry points (the demo start, `gatepost sim`).',
      from: { path: '^gateway/', pathNot: '^gateway/cli/(start-command|main)[.]ts$' },
      to: { path: '^sim/' },
    },
    {
      name: 'cli-joins-sim-at-its-entry-points',
      severity: 'error',
      comment:
        'The CLI reaches the simulator only through sim/demo.ts (the demo start) and sim/sim-command.ts (`gatepost sim`).',
      from: { path: '^gateway/cli/' },
      to: { path: '^sim/', pathNot: '^sim/(demo|sim-command)[.]ts$' },
    },
    {
      name: 'product-imports-no-tests-bench-or-bin',
      severity: 'error',
      comment: 'bin/, bench/ and test/ are at the top: no product code imports them.',
      from: { path: '^(core|devices|broker|site-config|gateway|sim)/' },
      to: { path: '^(bin|bench|test)/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^gateway/web/vendor/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
  },
};
