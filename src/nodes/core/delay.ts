// delay (NODES 11.1): sleeps, and the step's deadline or a cancelled run cuts the sleep short.
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { sleep } from '../util.js';

export const delay = defineNode({
  name: 'delay',
  category: 'Timing',
  description: 'Wait for a number of seconds',
  params: {
    seconds: p.number({ description: 'Seconds to wait (fractions allowed)', default: 1, minimum: 0 }),
  },
  outputs: { delay_seconds: 'the number of seconds slept' },
  async run(cfg, nc) {
    if (!Number.isFinite(cfg.seconds) || cfg.seconds < 0) {
      throw new NodeError("delay 'seconds' must be a non-negative finite number");
    }
    await sleep(cfg.seconds * 1000, nc.signal);
    return { delay_seconds: cfg.seconds };
  },
});
