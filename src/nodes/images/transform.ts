// image_resize, image_crop, image_rotate, image_flip, image_grayscale (NODES 15.4-15.8): one sharp
// operation each, written to `output_path` as PNG or JPEG.
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { assertDimensions, checkDimensions, dimensionProblem } from './format.js';
import { checkImageNode, imageNodeParams, type Matrix3x3, prepareImage, writeImage } from './io.js';
import { IMAGE_LIMITS } from './limits.js';

export const imageResize = defineNode({
  name: 'image_resize',
  category: 'Extraction',
  description: 'Resize an image (Lanczos3; one side keeps the aspect ratio) and save it',
  params: {
    ...imageNodeParams('resized_image'),
    width: p.integer({ description: 'Target width in pixels' }),
    height: p.integer({ description: 'Target height in pixels' }),
  },
  outputs: {
    '{output_key}': 'the output path',
    '{output_key}_width': 'written width',
    '{output_key}_height': 'written height',
    '{output_key}_format': 'png or jpeg',
    '{output_key}_success': 'true',
  },
  check(cfg) {
    const out = [...checkImageNode('image_resize', cfg), ...checkDimensions(cfg, ['width', 'height'])];
    if (cfg.width == null && cfg.height == null) {
      out.push({ path: '$.width', message: "image_resize requires either 'width' or 'height'" });
    }
    return out;
  },
  async run(cfg, nc) {
    if (cfg.width === undefined && cfg.height === undefined) {
      throw new NodeError("image_resize requires either 'width' or 'height'");
    }
    assertDimensions(cfg, ['width', 'height']);
    const { out, input, info, pipeline } = await prepareImage('image_resize', cfg, nc);
    const scaled = (given: number, other: number, self: number) =>
      Math.max(1, Math.round((given * other) / self));
    const width = cfg.width ?? scaled(cfg.height!, info.width, info.height);
    const height = cfg.height ?? scaled(cfg.width!, info.height, info.width);
    const max = IMAGE_LIMITS.maxImagePixels.get();
    if (width * height > max) {
      throw new NodeError(
        `image_resize: target size ${width}x${height} is more than IRONFLOW_MAX_IMAGE_PIXELS allows (${max})`,
        { retryable: false },
      );
    }
    pipeline.resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
    const size = await writeImage('image_resize', pipeline, input, out, nc.signal);
    const k = cfg.output_key;
    return {
      [k]: out.path,
      [`${k}_width`]: size.width,
      [`${k}_height`]: size.height,
      [`${k}_format`]: out.format,
      [`${k}_success`]: true,
    };
  },
});

/** A crop side: `crop_<side>` wins over its alias; NODES 15.5 messages. */
function cropSide(cfg: Record<string, unknown>, side: 'width' | 'height'): number {
  const main = `crop_${side}`;
  const name = cfg[main] != null ? main : cfg[side] != null ? side : undefined;
  if (!name) throw new NodeError(`image_crop requires '${main}' or '${side}'`);
  const v = cfg[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new NodeError(`image_crop: '${name}' must be a positive number`);
  }
  const big = dimensionProblem(name, v);
  if (big) throw new NodeError(big);
  return v;
}

export const imageCrop = defineNode({
  name: 'image_crop',
  category: 'Extraction',
  description: 'Crop a rectangle out of an image and save it',
  params: {
    ...imageNodeParams('cropped_image'),
    x: p.integer({ description: 'Left edge of the rectangle', default: 0, minimum: 0 }),
    y: p.integer({ description: 'Top edge of the rectangle', default: 0, minimum: 0 }),
    crop_width: p.number({ description: 'Width of the rectangle (alias `width`; this one wins)' }),
    crop_height: p.number({ description: 'Height of the rectangle (alias `height`; this one wins)' }),
    width: p.number({ description: 'Alias of crop_width' }),
    height: p.number({ description: 'Alias of crop_height' }),
  },
  outputs: {
    '{output_key}': 'the output path',
    '{output_key}_width': 'crop width',
    '{output_key}_height': 'crop height',
    '{output_key}_format': 'png or jpeg',
    '{output_key}_x': 'x',
    '{output_key}_y': 'y',
    '{output_key}_success': 'true',
  },
  check(cfg) {
    const out = checkImageNode('image_crop', cfg);
    for (const side of ['width', 'height'] as const) {
      try {
        cropSide(cfg, side);
      } catch (e) {
        out.push({ path: `$.crop_${side}`, message: (e as Error).message });
      }
    }
    return out;
  },
  async run(cfg, nc) {
    const w = cropSide(cfg, 'width');
    const h = cropSide(cfg, 'height');
    const { x, y } = cfg;
    const { out, input, info, pipeline } = await prepareImage('image_crop', cfg, nc);
    const W = info.width;
    const H = info.height;
    if (x >= W || y >= H) {
      throw new NodeError(`image_crop: starting point (${x}, ${y}) is outside image bounds (${W}x${H})`);
    }
    if (x + w > W) {
      throw new NodeError(`image_crop: crop width ${w} exceeds image bounds at x=${x} (image width ${W})`);
    }
    if (y + h > H) {
      throw new NodeError(`image_crop: crop height ${h} exceeds image bounds at y=${y} (image height ${H})`);
    }
    pipeline.extract({ left: x, top: y, width: w, height: h });
    const size = await writeImage('image_crop', pipeline, input, out, nc.signal);
    const k = cfg.output_key;
    return {
      [k]: out.path,
      [`${k}_width`]: size.width,
      [`${k}_height`]: size.height,
      [`${k}_format`]: out.format,
      [`${k}_x`]: x,
      [`${k}_y`]: y,
      [`${k}_success`]: true,
    };
  },
});

function angleProblem(a: unknown): string | undefined {
  if (typeof a !== 'number') return undefined;
  if (!Number.isInteger(a)) return 'angle: must be one of 90, 180, or 270';
  if (![0, 90, 180, 270].includes(a))
    return `angle: unsupported angle '${a}'. Supported values: 90, 180, 270`;
  return undefined;
}

export const imageRotate = defineNode({
  name: 'image_rotate',
  category: 'Extraction',
  description: 'Rotate an image clockwise by 90, 180 or 270 degrees and save it',
  params: {
    ...imageNodeParams('rotated_image'),
    angle: p.number({ description: '90, 180 or 270 (clockwise); 0 writes the image unrotated', default: 90 }),
  },
  outputs: {
    '{output_key}': 'the output path',
    '{output_key}_angle': 'the angle',
    '{output_key}_width': 'width after rotation',
    '{output_key}_height': 'height after rotation',
    '{output_key}_source_width': 'input width',
    '{output_key}_source_height': 'input height',
    '{output_key}_format': 'png or jpeg',
    '{output_key}_success': 'true',
  },
  check(cfg) {
    const m = angleProblem(cfg.angle);
    return [...checkImageNode('image_rotate', cfg), ...(m ? [{ path: '$.angle', message: m }] : [])];
  },
  async run(cfg, nc) {
    const bad = angleProblem(cfg.angle);
    if (bad) throw new NodeError(bad);
    const { out, input, info, pipeline } = await prepareImage('image_rotate', cfg, nc);
    // Angle 0 is a no-op (upstream turned it into 90, NODES 24 defect 11).
    if (cfg.angle !== 0) pipeline.rotate(cfg.angle);
    const size = await writeImage('image_rotate', pipeline, input, out, nc.signal);
    const k = cfg.output_key;
    return {
      [k]: out.path,
      [`${k}_angle`]: cfg.angle,
      [`${k}_width`]: size.width,
      [`${k}_height`]: size.height,
      [`${k}_source_width`]: info.width,
      [`${k}_source_height`]: info.height,
      [`${k}_format`]: out.format,
      [`${k}_success`]: true,
    };
  },
});

const DIRECTIONS: Record<string, 'horizontal' | 'vertical' | 'both'> = {
  horizontal: 'horizontal',
  h: 'horizontal',
  vertical: 'vertical',
  v: 'vertical',
  both: 'both',
};

function directionProblem(d: unknown): string | undefined {
  if (typeof d !== 'string' || Object.hasOwn(DIRECTIONS, d.toLowerCase())) return undefined;
  return `image_flip: unsupported direction '${d}'. Use 'horizontal', 'vertical', or 'both'`;
}

export const imageFlip = defineNode({
  name: 'image_flip',
  category: 'Extraction',
  description: 'Mirror an image horizontally, vertically or both and save it',
  params: {
    ...imageNodeParams('flipped_image'),
    direction: p.string({
      description: '`horizontal`/`h` (left-right), `vertical`/`v` (top-bottom) or `both`; case-insensitive',
      default: 'horizontal',
    }),
  },
  outputs: {
    '{output_key}': 'the output path',
    '{output_key}_direction': 'the direction as given, lower-cased',
    '{output_key}_width': 'width',
    '{output_key}_height': 'height',
    '{output_key}_format': 'png or jpeg',
    '{output_key}_success': 'true',
  },
  check(cfg) {
    const m = directionProblem(cfg.direction);
    return [...checkImageNode('image_flip', cfg), ...(m ? [{ path: '$.direction', message: m }] : [])];
  },
  async run(cfg, nc) {
    const bad = directionProblem(cfg.direction);
    if (bad) throw new NodeError(bad);
    const given = cfg.direction.toLowerCase();
    const dir = DIRECTIONS[given]!;
    const { out, input, pipeline } = await prepareImage('image_flip', cfg, nc);
    // sharp: flop() mirrors left-right, flip() top-bottom.
    if (dir !== 'vertical') pipeline.flop();
    if (dir !== 'horizontal') pipeline.flip();
    const size = await writeImage('image_flip', pipeline, input, out, nc.signal);
    const k = cfg.output_key;
    return {
      [k]: out.path,
      [`${k}_direction`]: given,
      [`${k}_width`]: size.width,
      [`${k}_height`]: size.height,
      [`${k}_format`]: out.format,
      [`${k}_success`]: true,
    };
  },
});

/** Rec. 709 luma on the encoded values, as the original computed it (red → 54). */
const LUMA: Matrix3x3 = [
  [0.2126, 0.7152, 0.0722],
  [0.2126, 0.7152, 0.0722],
  [0.2126, 0.7152, 0.0722],
];

export const imageGrayscale = defineNode({
  name: 'image_grayscale',
  category: 'Extraction',
  description: 'Convert an image to grayscale (alpha kept for PNG) and save it',
  params: imageNodeParams('grayscale_image'),
  outputs: {
    '{output_key}': 'the output path',
    '{output_key}_width': 'width',
    '{output_key}_height': 'height',
    '{output_key}_format': 'png or jpeg',
    '{output_key}_success': 'true',
  },
  check: (cfg) => checkImageNode('image_grayscale', cfg),
  async run(cfg, nc) {
    const { out, input, pipeline } = await prepareImage('image_grayscale', cfg, nc);
    // Work in sRGB (CMYK and gray inputs included), set R = G = B = luma, then store one gray channel:
    // with equal channels the b-w conversion keeps the value.
    pipeline.pipelineColourspace('srgb').recomb(LUMA).toColourspace('b-w');
    const size = await writeImage('image_grayscale', pipeline, input, out, nc.signal);
    const k = cfg.output_key;
    return {
      [k]: out.path,
      [`${k}_width`]: size.width,
      [`${k}_height`]: size.height,
      [`${k}_format`]: out.format,
      [`${k}_success`]: true,
    };
  },
});
