// Named limits of the AI family (docs/contributing.md: every limit is a setting with a documented default).
import { defineSetting } from '../../config/settings.js';
import { NodeError } from '../../util/errors.js';

export const maxAiInputBytes = defineSetting<number>({
  env: 'IRONFLOW_MAX_AI_INPUT_BYTES',
  kind: 'int',
  min: 0,
  default: 8_388_608,
  description:
    'Largest text an AI node sends to a provider, in UTF-8 bytes: the request body of llm, the sum of the ' +
    'texts of ai_embed and the text of ai_chunk_semantic. Checked before any request (OAuth token ' +
    'included); 0 disables.',
});

/** Fail before any request when `bytes` is over IRONFLOW_MAX_AI_INPUT_BYTES. */
export function checkInputSize(node: string, what: string, bytes: number): void {
  const limit = maxAiInputBytes.get();
  if (limit > 0 && bytes > limit) {
    throw new NodeError(
      `${node}: ${what} is ${bytes} bytes, over the limit of ${limit} bytes (${maxAiInputBytes.env})`,
      { retryable: false },
    );
  }
}
