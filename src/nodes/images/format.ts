// The output image format of the image and PDF rendering nodes (NODES 15.0): `png`, `jpeg` or `jpg`,
// else inferred from the output file's extension; always reported as `png` or `jpeg`.
import { extname } from 'node:path';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';

export type ImageFormat = 'png' | 'jpeg';

export const imageFormatParam = p.string({
  description: '`png`, `jpeg` or `jpg` (case-insensitive)',
});

function formatProblem(node: string, f: unknown): string | undefined {
  if (typeof f !== 'string') return undefined;
  return /^(png|jpe?g)$/i.test(f)
    ? undefined
    : `${node}: unsupported format '${f}'. Must be 'png', 'jpeg', or 'jpg'.`;
}

export function checkImageFormat(node: string, cfg: Record<string, unknown>) {
  const m = formatProblem(node, cfg.format);
  return m ? [{ path: '$.format', message: m }] : [];
}

/** An explicit `format` value as png/jpeg. */
export function parseImageFormat(node: string, f: string): ImageFormat {
  const m = formatProblem(node, f);
  if (m) throw new NodeError(m);
  return f.toLowerCase() === 'png' ? 'png' : 'jpeg';
}

/** The format to write: `format` when given, else from the extension of `outputPath` (none → PNG). */
export function outputFormat(node: string, format: string | undefined, outputPath: string): ImageFormat {
  if (format !== undefined) return parseImageFormat(node, format);
  const ext = extname(outputPath);
  if (ext === '' || ext === '.') return 'png';
  const e = ext.slice(1).toLowerCase();
  if (e === 'png') return 'png';
  if (e === 'jpg' || e === 'jpeg') return 'jpeg';
  throw new NodeError(`${node}: unsupported output extension '${ext}'. Supported: png, jpg, jpeg`);
}

const U32_MAX = 4_294_967_295;

/** NODES 15.0 rule for pixel dimensions: a whole number from 1 to 2^32-1 (undefined = absent, fine). */
export function dimensionProblem(field: string, v: unknown): string | undefined {
  if (v === undefined || v === null || typeof v !== 'number') return undefined;
  if (v < 1) return `${field}: must be >= 1`;
  if (v > U32_MAX) return `${field}: value ${v} is too large (max ${U32_MAX})`;
  return undefined;
}

export function checkDimensions(cfg: Record<string, unknown>, fields: readonly string[]) {
  const out: Array<{ path: string; message: string }> = [];
  for (const f of fields) {
    const m = dimensionProblem(f, cfg[f]);
    if (m) out.push({ path: `$.${f}`, message: m });
  }
  return out;
}

/** Throw the first dimension problem of `fields` (run-time twin of checkDimensions). */
export function assertDimensions(cfg: Record<string, unknown>, fields: readonly string[]): void {
  const first = checkDimensions(cfg, fields)[0];
  if (first) throw new NodeError(first.message);
}
