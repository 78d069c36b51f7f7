// What the image nodes share (NODES 15.0): the image source (a path, or a context value that is a path,
// `{path}`, `{base64}` or `{data}`), bounded reads, a header probe that enforces the pixel limit before any
// decoding, and writing the result as PNG or JPEG. Decoding and encoding go through sharp (libvips).
import { writeFile } from 'node:fs/promises';
import type { Matrix3x3, Sharp, SharpConstructor } from 'sharp';
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import { readBounded, TooLargeError } from '../docs/source.js';
import { p } from '../params.js';
import type { NodeContext } from '../types.js';
import { requireKey } from '../util.js';
import { checkImageFormat, type ImageFormat, imageFormatParam, outputFormat } from './format.js';
import { IMAGE_LIMITS } from './limits.js';

export type SharpModule = SharpConstructor;
export type { Matrix3x3 };

let sharpModule: Promise<SharpModule> | undefined;

export function loadSharp(): Promise<SharpModule> {
  sharpModule ??= import('sharp').then((m) => m.default);
  return sharpModule;
}

/** Encoded image bytes and how to name them in messages (the path, or `base64 data`). */
export interface ImageInput {
  label: string;
  bytes: Buffer;
}

export interface ImageInfo {
  width: number;
  height: number;
  format: string;
}

/** Parameters of the single-image nodes: source, `output_path`, `format`, `output_key`. */
export function imageNodeParams(outputKey: string) {
  return {
    path: p.string({ description: 'Path of the input image', interpolate: 'string' }),
    source_key: p.string({
      description:
        'Context key holding a path (interpolated), or {path}, {base64} or {data} (base64 of the file)',
    }),
    output_path: p.string({
      description: 'File to write (overwritten)',
      required: true,
      interpolate: 'string',
    }),
    format: imageFormatParam,
    output_key: p.string({ description: 'Prefix of the output keys', default: outputKey }),
  };
}

export function checkImageNode(node: string, cfg: Record<string, unknown>) {
  const out: Array<{ path: string; message: string }> = [];
  const hasPath = cfg.path !== undefined && cfg.path !== null;
  const hasKey = cfg.source_key !== undefined && cfg.source_key !== null;
  if (hasPath && hasKey) {
    out.push({ path: '$.source_key', message: `${node} accepts either 'path' or 'source_key', not both` });
  } else if (!hasPath && !hasKey) {
    out.push({ path: '$.path', message: `${node} requires either 'path' or 'source_key'` });
  }
  return [...out, ...checkImageFormat(node, cfg)];
}

/** Read an image file with the IRONFLOW_MAX_IMAGE_BYTES limit. */
export async function readImageFile(node: string, path: string, signal: AbortSignal): Promise<ImageInput> {
  try {
    return { label: path, bytes: await readBounded(path, IMAGE_LIMITS.maxImageBytes.get(), signal) };
  } catch (e) {
    if (e instanceof TooLargeError) {
      throw new NodeError(
        `${node}: image '${path}' is larger than IRONFLOW_MAX_IMAGE_BYTES (${e.limit} bytes)`,
        { retryable: false },
      );
    }
    if (signal.aborted) throw e;
    throw new NodeError(`${node}: failed to read image '${path}': ${(e as Error).message}`, { cause: e });
  }
}

/** Standard base64 (padding optional, whitespace ignored, an optional `data:…;base64,` prefix). */
export function decodeImageBase64(node: string, text: string): ImageInput {
  const body = text.replace(/^data:[^,]*;base64,/i, '').replace(/\s+/g, '');
  const max = IMAGE_LIMITS.maxImageBytes.get();
  if (Math.floor((body.length * 3) / 4) > max) {
    throw new NodeError(`${node}: base64 image data is larger than IRONFLOW_MAX_IMAGE_BYTES (${max} bytes)`, {
      retryable: false,
    });
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 === 1) {
    throw new NodeError(`${node}: failed to decode base64 image data: not valid standard base64`);
  }
  return { label: 'base64 data', bytes: Buffer.from(body, 'base64') };
}

/**
 * One image source value: a path string, or `{path}` / `{base64}` / `{data}`. Paths are interpolated when
 * `interpolatePaths` (values read from the context; configured values were rendered by the engine).
 */
export async function loadImageItem(
  node: string,
  item: unknown,
  nc: Pick<NodeContext, 'signal' | 'interpolate'>,
  interpolatePaths: boolean,
): Promise<ImageInput> {
  const path = (s: string) => (interpolatePaths ? nc.interpolate(s) : s);
  if (typeof item === 'string') return readImageFile(node, path(item), nc.signal);
  if (!isPlainObject(item)) throw new NodeError(`${node} source entries must be strings or objects`);
  if (typeof item.path === 'string') return readImageFile(node, path(item.path), nc.signal);
  const b64 = typeof item.base64 === 'string' ? item.base64 : item.data;
  if (typeof b64 === 'string') return decodeImageBase64(node, b64);
  throw new NodeError(`${node} source object must include 'path' or 'base64'/'data'`);
}

/** The input of a single-image node, from `path` or the context value of `source_key`. */
export function loadNodeImage(
  node: string,
  cfg: { path?: string; source_key?: string },
  nc: Pick<NodeContext, 'signal' | 'interpolate' | 'ctx'>,
): Promise<ImageInput> {
  const problems = checkImageNode(node, cfg);
  if (problems.length) throw new NodeError(problems[0]!.message);
  if (typeof cfg.path === 'string') return readImageFile(node, cfg.path, nc.signal);
  return loadImageItem(node, requireKey(nc.ctx, cfg.source_key!), nc, true);
}

/** Width, height and format from the header only, refusing images over IRONFLOW_MAX_IMAGE_PIXELS. */
export async function probeImage(node: string, sharp: SharpModule, input: ImageInput): Promise<ImageInfo> {
  let meta: Awaited<ReturnType<Sharp['metadata']>>;
  try {
    // Header only: no pixel is decoded, so sharp's own pixel guard is off here and ours below applies.
    meta = await sharp(input.bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new NodeError(`${node}: invalid image data for '${input.label}': ${(e as Error).message}`);
  }
  const { width, height } = meta;
  if (!width || !height) {
    throw new NodeError(
      `${node}: invalid image data for '${input.label}': no image dimensions in the header`,
    );
  }
  const max = IMAGE_LIMITS.maxImagePixels.get();
  if (width * height > max) {
    throw new NodeError(
      `${node}: image '${input.label}' is ${width}x${height} pixels, more than IRONFLOW_MAX_IMAGE_PIXELS allows (${max})`,
      { retryable: false },
    );
  }
  return { width, height, format: meta.format ?? 'unknown' };
}

/** A sharp pipeline over the input with the pixel limit as a second guard. */
export function openImage(sharp: SharpModule, input: ImageInput): Sharp {
  return sharp(input.bytes, { limitInputPixels: IMAGE_LIMITS.maxImagePixels.get() });
}

/** Encode (JPEG drops alpha) and write `output_path`; returns the written size. */
export async function writeImage(
  node: string,
  pipeline: Sharp,
  input: ImageInput,
  out: { path: string; format: ImageFormat },
  signal: AbortSignal,
): Promise<{ width: number; height: number }> {
  signal.throwIfAborted();
  let encoded: { data: Buffer; info: { width: number; height: number } };
  try {
    const pl = out.format === 'png' ? pipeline.png() : pipeline.removeAlpha().jpeg({ quality: 85 });
    encoded = await pl.toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new NodeError(`${node}: invalid image data for '${input.label}': ${(e as Error).message}`);
  }
  signal.throwIfAborted();
  try {
    await writeFile(out.path, encoded.data);
  } catch (e) {
    throw new NodeError(`${node}: failed to write image '${out.path}': ${(e as Error).message}`, {
      cause: e,
    });
  }
  return { width: encoded.info.width, height: encoded.info.height };
}

/** The common start of a single-image node: output target, input bytes, sharp and the header probe. */
export async function prepareImage(
  node: string,
  cfg: { path?: string; source_key?: string; output_path: string; format?: string },
  nc: Pick<NodeContext, 'signal' | 'interpolate' | 'ctx'>,
) {
  const out = { path: cfg.output_path, format: outputFormat(node, cfg.format, cfg.output_path) };
  const input = await loadNodeImage(node, cfg, nc);
  const sharp = await loadSharp();
  const info = await probeImage(node, sharp, input);
  nc.signal.throwIfAborted();
  return { out, input, sharp, info, pipeline: openImage(sharp, input) };
}
