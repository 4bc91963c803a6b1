import { z } from 'zod';

/** The id of a site, checkpoint, lane or zone: it is used in MQTT topics. */
export const ConfigIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,31}$/,
    'must be 1-32 lowercase letters, digits or dashes (it is used in MQTT topics)',
  );
