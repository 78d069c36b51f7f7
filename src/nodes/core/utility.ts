// Utility nodes: log, template_render, hash (NODES 19.1-19.3).
import { createHash } from 'node:crypto';
import { NodeError } from '../../util/errors.js';
import { canonicalJson } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireKey } from '../util.js';

export const log = defineNode({
  name: 'log',
  category: 'Utility',
  description: 'Log an interpolated message',
  params: {
    message: p.string({ description: 'Message to log', default: '', interpolate: 'string' }),
    level: p.string({
      description: 'debug, info, warn or error (anything else logs at info)',
      default: 'info',
    }),
  },
  outputs: { log_message: 'the interpolated message' },
  run(cfg, nc) {
    const level = cfg.level === 'debug' || cfg.level === 'warn' || cfg.level === 'error' ? cfg.level : 'info';
    nc.log[level](cfg.message, { step: nc.step });
    return { log_message: cfg.message };
  },
});

export const templateRender = defineNode({
  name: 'template_render',
  category: 'Utility',
  description: 'Render a template string with ${ctx.…} placeholders',
  params: {
    template: p.string({ description: 'Template text', required: true, interpolate: 'string' }),
    output_key: p.string({ description: 'Context key that receives the rendered text', required: true }),
  },
  outputs: { '{output_key}': 'the rendered string' },
  run(cfg) {
    return { [cfg.output_key]: cfg.template };
  },
});

const ALGORITHMS: Record<string, string> = {
  sha256: 'sha256',
  'sha-256': 'sha256',
  sha384: 'sha384',
  'sha-384': 'sha384',
  sha512: 'sha512',
  'sha-512': 'sha512',
  md5: 'md5',
};

export const hash = defineNode({
  name: 'hash',
  category: 'Utility',
  description: 'Compute a SHA-256/384/512 or MD5 hex digest',
  params: {
    input: p.string({ description: 'Text to hash (wins over source_key)', interpolate: 'string' }),
    source_key: p.string({ description: 'Context key to hash; non-strings are hashed as canonical JSON' }),
    algorithm: p.string({
      description: 'sha256, sha384, sha512 or md5 (also sha-256 etc.), case-insensitive',
      default: 'sha256',
      enum: ['sha256', 'sha-256', 'sha384', 'sha-384', 'sha512', 'sha-512', 'md5'],
      enumIgnoreCase: true,
    }),
    output_key: p.string({ description: 'Context key of the digest', default: 'hash' }),
  },
  outputs: { '{output_key}': 'lower-case hex digest', '{output_key}_algorithm': 'the algorithm as given' },
  check(cfg) {
    return cfg.input === undefined && cfg.source_key === undefined
      ? [{ path: '$.input', message: "hash requires either 'input' string or 'source_key'" }]
      : [];
  },
  run(cfg, nc) {
    const algo = ALGORITHMS[cfg.algorithm.toLowerCase()];
    if (!algo)
      throw new NodeError(`Unsupported hash algorithm '${cfg.algorithm}'. Use: sha256, sha384, sha512, md5`);
    let text: string;
    if (cfg.input !== undefined) text = cfg.input;
    else if (cfg.source_key !== undefined) {
      const v = requireKey(nc.ctx, cfg.source_key);
      text = typeof v === 'string' ? v : canonicalJson(v);
    } else throw new NodeError("hash requires either 'input' string or 'source_key'");
    const digest = createHash(algo).update(text, 'utf8').digest('hex');
    return { [cfg.output_key]: digest, [`${cfg.output_key}_algorithm`]: cfg.algorithm };
  },
});
