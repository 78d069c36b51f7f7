import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  distanceCurve,
  savgolCoefficients,
  savgolFilter,
  splitPoints,
} from '../../../src/nodes/ai/savgol.js';
import { splitSentences } from '../../../src/nodes/ai/semantic.js';
import { registry } from '../../../src/nodes/registry.js';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { type OpenAIStandIn, startOpenAI } from '../../services/openai.js';
import { useProviderEnv } from './env.js';
import reference from './fixtures/semantic-reference.json' with { type: 'json' };

// Savitzky–Golay outputs of scipy.signal.savgol_filter(data, w, order, deriv, mode='mirror').
const SCIPY = {
  data: [0.1, 0.5, 0.3, 0.9, 0.2, 0.4, 0.8, 0.6, 0.7, 0.05, 0.33, 0.66],
  cases: [
    {
      w: 5,
      o: 2,
      d: 0,
      out: [
        0.34, 0.26, 0.6, 0.5314285714285711, 0.4485714285714283, 0.40857142857142825, 0.6542857142857139,
        0.7671428571428568, 0.466, 0.26942857142857124, 0.3154285714285713, 0.5382857142857141,
      ],
    },
    {
      w: 5,
      o: 3,
      d: 1,
      out: [
        0, 0.1, 0.2583333333333337, -0.05833333333333337, -0.375, 0.425, 0.09166666666666683, -0.0375,
        -0.3275, -0.25166666666666687, 0.4375, 0,
      ],
    },
    {
      w: 5,
      o: 3,
      d: 2,
      out: [
        0, 0.2, -0.2, -0.0714285714285714, 0.07142857142857137, 0.17142857142857132, -0.11428571428571432,
        -0.257142857142857, 0.03, 0.19857142857142845, 0.0985714285714285, -0.2542857142857142,
      ],
    },
    {
      w: 7,
      o: 3,
      d: 0,
      out: [
        0.23333333333333345, 0.4333333333333336, 0.4571428571428574, 0.48571428571428604, 0.49047619047619084,
        0.5380952380952384, 0.5904761904761908, 0.6423809523809528, 0.4795238095238098, 0.3833333333333335,
        0.3980952380952384, 0.28952380952380974,
      ],
    },
    {
      w: 11,
      o: 3,
      d: 1,
      out: [
        0, -0.02327117327117327, 0.0684731934731935, 0.03921911421911426, 0.09092851592851596,
        0.007420357420357425, -0.03509712509712512, -0.04196775446775447, 0.00628010878010881,
        -0.11310800310800313, -0.07528166278166282, 0,
      ],
    },
    {
      w: 9,
      o: 4,
      d: 2,
      out: [
        0.268065268065265, -0.021153846153852095, -0.09662004662005302, -0.062529137529144,
        0.07290209790209232, 0.09860139860139333, -0.057127039627045934, -0.27417249417250306,
        0.05883449883449379, 0.1847086247086209, -0.03743006993007619, -9.324009324572502e-5,
      ],
    },
    {
      w: 3,
      o: 1,
      d: 0,
      out: [
        0.3666666666666667, 0.3, 0.5666666666666667, 0.46666666666666673, 0.5, 0.46666666666666673, 0.6, 0.7,
        0.45, 0.36, 0.34666666666666673, 0.44,
      ],
    },
  ],
};

describe('Savitzky–Golay arithmetic', () => {
  test('coefficients match the textbook tables', () => {
    const close = (got: number[] | null, want: number[], div: number) => {
      expect(got).not.toBeNull();
      for (const [i, c] of got!.entries()) expect(c).toBeCloseTo(want[i]! / div, 12);
    };
    close(savgolCoefficients(5, 2, 0), [-3, 12, 17, 12, -3], 35);
    close(savgolCoefficients(7, 2, 0), [-2, 3, 6, 7, 6, 3, -2], 21);
    close(savgolCoefficients(5, 3, 1), [1, -8, 0, 8, -1], 12);
    close(savgolCoefficients(5, 3, 2), [2, -1, -2, -1, 2], 7);
    expect(savgolCoefficients(4, 2, 0)).toBeNull();
    expect(savgolCoefficients(3, 3, 0)).toBeNull();
    expect(savgolCoefficients(5, 1, 2)).toEqual([0, 0, 0, 0, 0]);
  });
  test('filters match scipy (mode=mirror)', () => {
    for (const c of SCIPY.cases) {
      const got = savgolFilter(SCIPY.data, c.w, c.o, c.d)!;
      for (const [i, x] of got.entries()) expect(x).toBeCloseTo(c.out[i]!, 9);
    }
  });
  test('curve, minima and kept split points match an independent numpy/scipy reference', () => {
    const vectors = reference.vectors;
    for (const name of ['default', 'w5o2', 'sim5'] as const) {
      const r = reference[name];
      const o = r.opts as {
        sim_window?: number;
        sg?: number;
        order?: number;
        threshold?: number;
        min_distance?: number;
      };
      const d = distanceCurve(vectors, o.sim_window ?? 3);
      for (const [i, x] of d.entries()) expect(x).toBeCloseTo(r.d[i]!, 12);
      const kept = splitPoints(d, {
        sgWindow: o.sg ?? 11,
        polyOrder: o.order ?? 3,
        threshold: o.threshold ?? 0.5,
        minDistance: o.min_distance ?? 2,
      });
      expect([name, kept]).toEqual([name, r.kept]);
    }
  });
});

describe('sentence splitting', () => {
  test('. ! ? followed by whitespace or the end close a sentence', () => {
    expect(splitSentences('  One. Two!  Three?\nFour')).toEqual(['One.', 'Two!', 'Three?', 'Four']);
    expect(splitSentences('Version 1.5 is out. e.g.this stays')).toEqual([
      'Version 1.5 is out.',
      'e.g.this stays',
    ]);
    expect(splitSentences('Wait... what?! Yes.')).toEqual(['Wait...', 'what?!', 'Yes.']);
    expect(splitSentences('Trailing spaces.   ')).toEqual(['Trailing spaces.']);
  });
});

const TOPIC_TEXT = [
  'My cat sleeps all day.',
  'The kitten chases a dog.',
  'Our puppy is a good pet.',
  'Cats and dogs can be friends.',
  'A pet needs care.',
  'The rocket will launch at dawn.',
  'It reaches orbit quickly.',
  'The astronaut sees the moon.',
  'Another planet is far.',
  'Rockets need fuel for launch.',
  'I cook soup in the kitchen.',
  'Bake bread in the oven.',
  'This recipe is easy.',
  'Cooking takes time.',
  'The soup is hot.',
];

describe('ai_chunk_semantic against the stand-in', () => {
  let s: OpenAIStandIn;
  beforeAll(async () => {
    s = await startOpenAI();
  });
  afterAll(async () => {
    await s.stop();
  });
  useProviderEnv(() => s.env);
  beforeEach(() => s.reset());

  test('embeds all sentences in one request and cuts where the reference says', async () => {
    const text = TOPIC_TEXT.join(' ');
    const out = await runNode('ai_chunk_semantic', { source_key: 'doc' }, { doc: text });
    const reqs = s.requestsFor('embeddings');
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.body).toEqual({ input: TOPIC_TEXT, model: 'text-embedding-3-small' });
    expect(reqs[0]!.headers.authorization).toBe(`Bearer ${s.env.OPENAI_API_KEY}`);
    // numpy/scipy reference on the same one-hot vectors: cuts after sentences 0 and 12. The cuts sit where
    // neighbours are most alike (the parity note), not at the topic changes after sentences 4 and 9.
    expect(out).toEqual({
      semantic: [TOPIC_TEXT[0], TOPIC_TEXT.slice(1, 13).join(' '), TOPIC_TEXT.slice(13).join(' ')],
      semantic_count: 3,
      semantic_success: true,
    });
  });

  test('batch_size splits the sentences over several requests with the same result', async () => {
    const text = TOPIC_TEXT.join('\n');
    const one = await runNode('ai_chunk_semantic', { source_key: 'doc' }, { doc: text });
    s.reset();
    const many = await runNode('ai_chunk_semantic', { source_key: 'doc', batch_size: 4 }, { doc: text });
    expect(s.requestsFor('embeddings').map((r) => (r.body as { input: string[] }).input.length)).toEqual([
      4, 4, 4, 3,
    ]);
    expect(many).toEqual(one);
  });

  test('Ollama provider uses /api/embed', async () => {
    const out = await runNode(
      'ai_chunk_semantic',
      { source_key: 'doc', provider: 'ollama', output_key: 'sem' },
      { doc: TOPIC_TEXT.join(' ') },
    );
    expect(s.requestsFor('ollama_embed')).toHaveLength(1);
    expect((s.requestsFor('ollama_embed')[0]!.body as { model: string }).model).toBe('nomic-embed-text');
    expect(out.sem_count).toBe(3);
  });

  test('OAuth provider fetches a token once and reuses it', async () => {
    const doc = TOPIC_TEXT.join(' ');
    const resources = (await import('../../../src/engine/resources.js')).ResourcePool;
    const pool = new resources();
    await runNode(
      'ai_chunk_semantic',
      { source_key: 'doc', provider: 'oauth' },
      { doc },
      { resources: pool },
    );
    await runNode(
      'ai_chunk_semantic',
      { source_key: 'doc', provider: 'oauth' },
      { doc },
      { resources: pool },
    );
    expect(s.tokenRequests()).toBe(1);
    expect(s.requestsFor('embeddings')).toHaveLength(2);
  });

  test('no request for blank text or a single sentence, and no credentials needed', async () => {
    delete process.env.OPENAI_API_KEY;
    expect(await runNode('ai_chunk_semantic', { source_key: 'doc' }, { doc: ' \n\t ' })).toEqual({
      semantic: [],
      semantic_count: 0,
      semantic_success: true,
    });
    expect(
      await runNode('ai_chunk_semantic', { source_key: 'doc' }, { doc: '  Only one sentence here. ' }),
    ).toEqual({
      semantic: ['  Only one sentence here. '],
      semantic_count: 1,
      semantic_success: true,
    });
    expect(s.requests).toHaveLength(0);
    await expect(runNode('ai_chunk_semantic', { source_key: 'doc' }, { doc: 'One. Two.' })).rejects.toThrow(
      "ai_chunk_semantic (openai) requires 'api_key' or OPENAI_API_KEY env var",
    );
  });

  test('provider errors: count mismatch, zero dimension, HTTP status', async () => {
    s.enqueue('embeddings', { body: { data: [{ embedding: [1, 0] }] } });
    await expect(runNode('ai_chunk_semantic', { source_key: 'd' }, { d: 'A. B. C.' })).rejects.toThrow(
      'ai_chunk_semantic: provider returned 1 embeddings for 3 sentences',
    );
    s.enqueue('embeddings', { body: { data: [{ embedding: [] }, { embedding: [] }] } });
    await expect(runNode('ai_chunk_semantic', { source_key: 'd' }, { d: 'A. B.' })).rejects.toThrow(
      'ai_chunk_semantic: embedding dimension is 0',
    );
    s.enqueue('embeddings', { status: 503, body: { error: { message: 'overloaded' } } });
    await expect(runNode('ai_chunk_semantic', { source_key: 'd' }, { d: 'A. B.' })).rejects.toThrow(
      'OpenAI API error (503): overloaded',
    );
  });

  test('static checks and source errors keep the original texts', async () => {
    expect(checkNode('ai_chunk_semantic', { source_key: 'd', provider: 'cohere' })).toEqual([
      "ai_chunk_semantic: unsupported provider 'cohere'",
    ]);
    await expect(runNode('ai_chunk_semantic', { source_key: 'd' }, { d: 3 })).rejects.toThrow(
      "ai_chunk_semantic: source_key 'd' not found or not a string in context",
    );
    expect(registry.get('ai_chunk_semantic')!.description).toMatch(/Parity note/);
  });
});
