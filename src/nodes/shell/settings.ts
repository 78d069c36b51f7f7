// Named limits of the shell family.
import { defineSetting } from '../../config/settings.js';

export const shellSettings = {
  maxOutputBytes: defineSetting<number>({
    env: 'IRONFLOW_MAX_SHELL_OUTPUT_BYTES',
    kind: 'int',
    min: 0,
    default: 1_048_576,
    description:
      'Bytes of stdout and of stderr (each) that shell_command keeps; the rest is read and dropped, and ' +
      'a truncation marker is appended. 0 disables the limit.',
  }),
};
