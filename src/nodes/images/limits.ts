// Named limits of the image nodes and of PDF rendering: checked from the file size and the image header
// before any pixel is decoded, so a 30,000 x 30,000 image fails with its own error and bounded memory.
import { defineSetting } from '../../config/settings.js';

export const IMAGE_LIMITS = {
  maxImageBytes: defineSetting<number>({
    env: 'IRONFLOW_MAX_IMAGE_BYTES',
    kind: 'int',
    min: 1,
    default: 52_428_800,
    description:
      'Largest encoded input image (file or decoded base64) the image nodes read, in bytes (50 MiB).',
  }),
  maxImagePixels: defineSetting<number>({
    env: 'IRONFLOW_MAX_IMAGE_PIXELS',
    kind: 'int',
    min: 1,
    default: 50_000_000,
    description:
      'Most pixels (width x height) of an input image, of a resize target, and of a rendered PDF page ' +
      '(50 megapixels, about 200 MB decoded as RGBA); checked from the header before decoding.',
  }),
};
