import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { decode, hugePngHeader, makeImage, type RGBA, tempDir } from '../docs/fixtures.js';

const BLUE: RGBA = [0, 0, 255, 255];
const RED: RGBA = [255, 0, 0, 255];
const GREEN: RGBA = [0, 255, 0, 255];
const HALF_RED: RGBA = [255, 0, 0, 128];

let tmp: Awaited<ReturnType<typeof tempDir>>;
let solid: string; // 120x80 RGBA solid, semi-transparent red
let rot: string; // 100x60 blue, red top-left pixel
let flip: string; // 90x70 blue, green pixel on the right edge, near the top
let photo: string; // 420x320 JPEG

beforeAll(async () => {
  tmp = await tempDir();
  solid = await tmp.file('source.png', await makeImage(120, 80, HALF_RED));
  rot = await tmp.file('rot.png', await makeImage(100, 60, BLUE, { pixels: [[0, 0, RED]] }));
  flip = await tmp.file('flip.png', await makeImage(90, 70, BLUE, { pixels: [[89, 5, GREEN]] }));
  photo = await tmp.file('source.jpg', await makeImage(420, 320, [200, 120, 40, 255], { format: 'jpeg' }));
});
afterAll(() => tmp.cleanup());
afterEach(() => {
  overrideSetting('IRONFLOW_MAX_IMAGE_PIXELS', undefined);
  overrideSetting('IRONFLOW_MAX_IMAGE_BYTES', undefined);
});

const near = (a: RGBA, b: RGBA, tol = 3) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

describe('image_resize', () => {
  test('both sides: exact size, PNG from the extension, outputs', async () => {
    const output_path = `${tmp.dir}/r1.png`;
    const out = await runNode('image_resize', { path: solid, output_path, width: 60, height: 30 });
    expect(out).toEqual({
      resized_image: output_path,
      resized_image_width: 60,
      resized_image_height: 30,
      resized_image_format: 'png',
      resized_image_success: true,
    });
    const img = await decode(await readFile(output_path));
    expect([img.format, img.width, img.height]).toEqual(['png', 60, 30]);
    expect(near(img.at(30, 15), HALF_RED)).toBe(true);
  });

  test('one side keeps the aspect ratio; JPEG by extension drops alpha', async () => {
    const output_path = `${tmp.dir}/r2.JPG`;
    const out = await runNode('image_resize', { path: solid, output_path, width: 30 });
    expect([out.resized_image_width, out.resized_image_height, out.resized_image_format]).toEqual([
      30,
      20,
      'jpeg',
    ]);
    const img = await decode(await readFile(output_path));
    expect([img.format, img.width, img.height, img.channels]).toEqual(['jpeg', 30, 20, 3]);
    expect(near(img.at(10, 10), [255, 0, 0, 255], 12)).toBe(true);
    const h = await runNode('image_resize', {
      path: photo,
      output_path: `${tmp.dir}/r3`,
      height: 100,
      output_key: 'r',
    });
    expect([h.r_width, h.r_height, h.r_format]).toEqual([131, 100, 'png']);
  });

  test('checks', async () => {
    expect(checkNode('image_resize', { path: 'a.png', output_path: 'b.png' })).toEqual([
      "image_resize requires either 'width' or 'height'",
    ]);
    expect(checkNode('image_resize', { path: 'a', output_path: 'b', width: 0 })).toEqual([
      'width: must be >= 1',
    ]);
    expect(checkNode('image_resize', { path: 'a', width: 5 })).toEqual([
      "image_resize requires 'output_path'",
    ]);
    expect(checkNode('image_resize', { path: 'a', output_path: 'b', width: 5, format: 'gif' })).toEqual([
      "image_resize: unsupported format 'gif'. Must be 'png', 'jpeg', or 'jpg'.",
    ]);
    await expect(
      runNode('image_resize', { path: solid, output_path: `${tmp.dir}/x.gif`, width: 5 }),
    ).rejects.toThrow("image_resize: unsupported output extension '.gif'. Supported: png, jpg, jpeg");
    await expect(
      runNode('image_resize', { path: solid, output_path: `${tmp.dir}/big.png`, width: 100_000 }),
    ).rejects.toThrow('image_resize: target size 100000x66667 is more than IRONFLOW_MAX_IMAGE_PIXELS allows');
  });
});

describe('image sources', () => {
  test('source_key: interpolated path string, {path}, {base64}, {data}, data URL', async () => {
    const b64 = (await readFile(rot)).toString('base64');
    const ctx = {
      dir: tmp.dir,
      s1: '${ctx.dir}/rot.png',
      s2: { path: '${ctx.dir}/rot.png' },
      s3: { base64: b64 },
      s4: { data: `data:image/png;base64,${b64}` },
    };
    for (const key of ['s1', 's2', 's3', 's4']) {
      const out = await runNode('image_flip', { source_key: key, output_path: `${tmp.dir}/${key}.png` }, ctx);
      expect([key, out.flipped_image_width, out.flipped_image_height]).toEqual([key, 100, 60]);
    }
  });

  test('source errors use the node name', async () => {
    const o = { output_path: `${tmp.dir}/e.png` };
    await expect(runNode('image_grayscale', { source_key: 'k', ...o }, { k: 5 })).rejects.toThrow(
      'image_grayscale source entries must be strings or objects',
    );
    await expect(runNode('image_grayscale', { source_key: 'k', ...o }, { k: { url: 'x' } })).rejects.toThrow(
      "image_grayscale source object must include 'path' or 'base64'/'data'",
    );
    await expect(
      runNode('image_grayscale', { source_key: 'k', ...o }, { k: { base64: 'a$b' } }),
    ).rejects.toThrow('image_grayscale: failed to decode base64 image data: ');
    await expect(
      runNode('image_grayscale', { source_key: 'k', ...o }, { k: { base64: 'aGVsbG8=' } }),
    ).rejects.toThrow("image_grayscale: invalid image data for 'base64 data': ");
    const missing = `${tmp.dir}/none.png`;
    await expect(runNode('image_grayscale', { path: missing, ...o })).rejects.toThrow(
      `image_grayscale: failed to read image '${missing}': `,
    );
    expect(checkNode('image_grayscale', { output_path: 'x' })).toEqual([
      "image_grayscale requires either 'path' or 'source_key'",
    ]);
    expect(checkNode('image_grayscale', { path: 'a', source_key: 'b', output_path: 'x' })).toEqual([
      "image_grayscale accepts either 'path' or 'source_key', not both",
    ]);
  });

  test('a 30,000 x 30,000 image is refused from its header, before decoding', async () => {
    const huge = await tmp.file('huge.png', hugePngHeader(30_000, 30_000));
    const before = process.memoryUsage().rss;
    await expect(runNode('image_rotate', { path: huge, output_path: `${tmp.dir}/h.png` })).rejects.toThrow(
      `image_rotate: image '${huge}' is 30000x30000 pixels, more than IRONFLOW_MAX_IMAGE_PIXELS allows (50000000)`,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(200_000_000);
    const b64 = hugePngHeader(30_000, 30_000).toString('base64');
    await expect(
      runNode('image_to_pdf', { sources: [{ base64: b64 }], output_path: `${tmp.dir}/h.pdf` }),
    ).rejects.toThrow("image_to_pdf: image 'base64 data' is 30000x30000 pixels");
  });

  test('byte limit on files and base64', async () => {
    overrideSetting('IRONFLOW_MAX_IMAGE_BYTES', 50);
    await expect(runNode('image_flip', { path: solid, output_path: `${tmp.dir}/l.png` })).rejects.toThrow(
      `image_flip: image '${solid}' is larger than IRONFLOW_MAX_IMAGE_BYTES (50 bytes)`,
    );
    await expect(
      runNode(
        'image_flip',
        { source_key: 'k', output_path: `${tmp.dir}/l.png` },
        { k: { data: 'A'.repeat(400) } },
      ),
    ).rejects.toThrow('image_flip: base64 image data is larger than IRONFLOW_MAX_IMAGE_BYTES (50 bytes)');
  });
});

describe('image_crop', () => {
  test('crop moves the chosen pixel to the origin; alias width/height; JPEG output from RGBA', async () => {
    const output_path = `${tmp.dir}/c1.png`;
    const out = await runNode('image_crop', {
      path: flip,
      output_path,
      x: 80,
      y: 5,
      crop_width: 10,
      height: 20,
    });
    expect(out).toEqual({
      cropped_image: output_path,
      cropped_image_width: 10,
      cropped_image_height: 20,
      cropped_image_format: 'png',
      cropped_image_x: 80,
      cropped_image_y: 5,
      cropped_image_success: true,
    });
    const img = await decode(await readFile(output_path));
    expect([img.width, img.height]).toEqual([10, 20]);
    expect(img.at(9, 0)).toEqual(GREEN);
    expect(img.at(0, 0)).toEqual(BLUE);
    const j = await runNode('image_crop', {
      path: solid,
      output_path: `${tmp.dir}/c.jpg`,
      width: 20,
      height: 10,
    });
    expect(j.cropped_image_format).toBe('jpeg');
    const photoCrop = await runNode('image_crop', {
      path: photo,
      output_path: `${tmp.dir}/p.jpeg`,
      x: 10,
      y: 8,
      width: 400,
      height: 300,
    });
    expect([photoCrop.cropped_image_width, photoCrop.cropped_image_height]).toEqual([400, 300]);
  });

  test('bounds and parameter errors', async () => {
    const o = { path: flip, output_path: `${tmp.dir}/c2.png` };
    await expect(runNode('image_crop', { ...o, x: 90, crop_width: 1, crop_height: 1 })).rejects.toThrow(
      'image_crop: starting point (90, 0) is outside image bounds (90x70)',
    );
    await expect(runNode('image_crop', { ...o, x: 50, crop_width: 41, crop_height: 1 })).rejects.toThrow(
      'image_crop: crop width 41 exceeds image bounds at x=50 (image width 90)',
    );
    await expect(runNode('image_crop', { ...o, y: 60, crop_width: 1, crop_height: 11 })).rejects.toThrow(
      'image_crop: crop height 11 exceeds image bounds at y=60 (image height 70)',
    );
    expect(checkNode('image_crop', { ...o, crop_height: 2 })).toEqual([
      "image_crop requires 'crop_width' or 'width'",
    ]);
    expect(checkNode('image_crop', { ...o, crop_width: 2.5, crop_height: 2 })).toEqual([
      "image_crop: 'crop_width' must be a positive number",
    ]);
    expect(checkNode('image_crop', { ...o, crop_width: 2, crop_height: 2 ** 32 })).toEqual([
      'crop_height: value 4294967296 is too large (max 4294967295)',
    ]);
  });
});

describe('image_rotate', () => {
  test('90, 180, 270 clockwise: sizes and where the red corner goes', async () => {
    const where: Record<number, [number, number, number, number]> = {
      90: [60, 100, 59, 0],
      180: [100, 60, 99, 59],
      270: [60, 100, 0, 99],
    };
    for (const angle of [90, 180, 270]) {
      const output_path = `${tmp.dir}/rot${angle}.png`;
      const out = await runNode('image_rotate', { path: rot, output_path, angle });
      const [w, h, x, y] = where[angle]!;
      expect(out).toEqual({
        rotated_image: output_path,
        rotated_image_angle: angle,
        rotated_image_width: w,
        rotated_image_height: h,
        rotated_image_source_width: 100,
        rotated_image_source_height: 60,
        rotated_image_format: 'png',
        rotated_image_success: true,
      });
      const img = await decode(await readFile(output_path));
      expect([angle, img.width, img.height, img.at(x, y)]).toEqual([angle, w, h, RED]);
    }
  });

  test('angle 0 is a no-op (upstream rotated by 90)', async () => {
    const output_path = `${tmp.dir}/rot0.png`;
    const out = await runNode('image_rotate', { path: rot, output_path, angle: 0 });
    expect([out.rotated_image_angle, out.rotated_image_width, out.rotated_image_height]).toEqual([
      0, 100, 60,
    ]);
    expect((await decode(await readFile(output_path))).at(0, 0)).toEqual(RED);
  });

  test('angle errors; default 90', async () => {
    const o = { path: rot, output_path: `${tmp.dir}/r.png` };
    expect(checkNode('image_rotate', { ...o, angle: 45 })).toEqual([
      "angle: unsupported angle '45'. Supported values: 90, 180, 270",
    ]);
    expect(checkNode('image_rotate', { ...o, angle: 90.5 })).toEqual([
      'angle: must be one of 90, 180, or 270',
    ]);
    const out = await runNode('image_rotate', o);
    expect([out.rotated_image_angle, out.rotated_image_width]).toEqual([90, 60]);
  });
});

describe('image_flip', () => {
  test('horizontal (h), vertical (V), both', async () => {
    const cases: Array<[string, string, number, number]> = [
      ['h', 'h', 0, 5],
      ['V', 'v', 89, 64],
      ['both', 'both', 0, 64],
      ['Horizontal', 'horizontal', 0, 5],
    ];
    for (const [direction, reported, x, y] of cases) {
      const output_path = `${tmp.dir}/flip-${reported}.png`;
      const out = await runNode('image_flip', { path: flip, output_path, direction });
      expect(out).toEqual({
        flipped_image: output_path,
        flipped_image_direction: reported,
        flipped_image_width: 90,
        flipped_image_height: 70,
        flipped_image_format: 'png',
        flipped_image_success: true,
      });
      const img = await decode(await readFile(output_path));
      expect([direction, img.at(x, y)]).toEqual([direction, GREEN]);
    }
  });
  test('unknown direction', () => {
    expect(checkNode('image_flip', { path: flip, output_path: 'x.png', direction: 'diagonal' })).toEqual([
      "image_flip: unsupported direction 'diagonal'. Use 'horizontal', 'vertical', or 'both'",
    ]);
  });
});

describe('image_grayscale', () => {
  test('luma of the encoded values, alpha kept in PNG, R = G = B', async () => {
    const output_path = `${tmp.dir}/g.png`;
    const out = await runNode('image_grayscale', { path: solid, output_path });
    expect(out).toEqual({
      grayscale_image: output_path,
      grayscale_image_width: 120,
      grayscale_image_height: 80,
      grayscale_image_format: 'png',
      grayscale_image_success: true,
    });
    const img = await decode(await readFile(output_path));
    expect(img.channels).toBe(2);
    expect(img.at(3, 3)).toEqual([54, 54, 54, 128]);
  });

  test('JPEG input and output; a mixed colour', async () => {
    const output_path = `${tmp.dir}/g.jpg`;
    const out = await runNode('image_grayscale', { path: photo, output_path, format: 'jpeg' });
    expect(out.grayscale_image_format).toBe('jpeg');
    const img = await decode(await readFile(output_path));
    const [r, g, b] = img.at(200, 150);
    expect(r).toBe(g);
    expect(g).toBe(b);
    // 0.2126*200 + 0.7152*120 + 0.0722*40 ≈ 131
    expect(Math.abs(r - 131)).toBeLessThanOrEqual(3);
  });

  test('gray and WebP inputs (format sniffed from content)', async () => {
    const gray = await tmp.file(
      'gray.png',
      await sharp({ create: { width: 8, height: 4, channels: 3, background: '#404040' } })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
    );
    const g = await runNode('image_grayscale', { path: gray, output_path: `${tmp.dir}/gg.png` });
    expect((await decode(await readFile(g.grayscale_image as string))).at(1, 1)).toEqual([64, 64, 64, 255]);
    const webp = await tmp.file(
      'pic.img',
      await sharp(await readFile(rot))
        .webp({ lossless: true })
        .toBuffer(),
    );
    const w = await runNode('image_grayscale', { path: webp, output_path: `${tmp.dir}/gw.png` });
    // blue (0, 0, 255) → 0.0722 * 255 ≈ 18
    expect((await decode(await readFile(w.grayscale_image as string))).at(50, 30)).toEqual([18, 18, 18, 255]);
  });

  test('a cancelled step writes nothing', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled by test'));
    const output_path = `${tmp.dir}/cancelled.png`;
    await expect(
      runNode('image_grayscale', { path: solid, output_path }, {}, { signal: ac.signal }),
    ).rejects.toThrow('cancelled by test');
    await expect(readFile(output_path)).rejects.toThrow('ENOENT');
  });

  test('write failure names the output path', async () => {
    const output_path = `${tmp.dir}/no/such/dir/g.png`;
    await expect(runNode('image_grayscale', { path: solid, output_path })).rejects.toThrow(
      `image_grayscale: failed to write image '${output_path}': `,
    );
  });
});
