import { z } from 'zod';
import { BrokerConfigSchema } from './broker-config.ts';
import { CamerasSectionSchema, checkCameraLanes } from './cameras-config.ts';
import { CardsConfigSchema } from './cards-config.ts';
import { ConfigIdSchema as id } from './config-id.ts';
import { checkCrossReferences } from './cross-references.ts';
import { checkDownlinkReferences, DownlinkConfigSchema } from './downlink-config.ts';
import { CheckpointConfigSchema } from './lane-config.ts';
import { OpsConfigSchema } from './ops-config.ts';
import { PassesConfigSchema } from './passes-config.ts';
import { checkPrinterReferences, PrintersSectionSchema } from './printer-config.ts';
import { DecisionRulesSchema } from './rules-config.ts';
import { SimulationConfigSchema } from './simulation-config.ts';
import { StorageConfigSchema } from './storage-config.ts';
import { UplinkConfigSchema } from './uplink-config.ts';
import { WebConfigSchema } from './web-config.ts';
import { YardConfigSchema } from './yard-config.ts';

// Each section's schema lives in its own module; they are re-exported here for the importers.
export { BrokerConfigSchema } from './broker-config.ts';
export {
  type CentralKey,
  CentralKeySchema,
  type DownlinkConfig,
  DownlinkConfigSchema,
} from './downlink-config.ts';
export { CheckpointConfigSchema, type LaneConfig, LaneConfigSchema } from './lane-config.ts';
export { OpsConfigSchema } from './ops-config.ts';
export { PassesConfigSchema } from './passes-config.ts';
export { DecisionRulesSchema } from './rules-config.ts';
export { SimulationConfigSchema } from './simulation-config.ts';
export { StorageConfigSchema } from './storage-config.ts';
export { UplinkConfigSchema } from './uplink-config.ts';
export { WebConfigSchema } from './web-config.ts';
export {
  BayRangeSchema,
  bayLabel,
  YardConfigSchema,
  type ZoneConfig,
  ZoneConfigSchema,
  ZoneKindSchema,
} from './yard-config.ts';

/** The config format version this code reads. Older versions are migrated (see migrate.ts). */
export const CONFIG_VERSION = 1;

export const SiteConfigSchema = z
  .object({
    version: z.literal(CONFIG_VERSION).describe('Config format version'),
    site: z.object({ id, name: z.string().min(1) }).strict(),
    broker: BrokerConfigSchema.prefault({}),
    uplink: UplinkConfigSchema.prefault({}),
    downlink: DownlinkConfigSchema.prefault({}),
    storage: StorageConfigSchema.prefault({}),
    web: WebConfigSchema.prefault({}),
    ops: OpsConfigSchema.prefault({}),
    passes: PassesConfigSchema.prefault({}),
    rules: DecisionRulesSchema.prefault({}),
    checkpoints: z.array(CheckpointConfigSchema).min(1),
    yard: YardConfigSchema,
    cameras: CamerasSectionSchema,
    printers: PrintersSectionSchema,
    cards: CardsConfigSchema.prefault({}),
    simulation: SimulationConfigSchema.prefault({}),
  })
  .strict()
  .superRefine(checkCrossReferences)
  .superRefine(checkDownlinkReferences)
  .superRefine(checkCameraLanes)
  .superRefine(checkPrinterReferences);

export type SiteConfig = z.infer<typeof SiteConfigSchema>;
