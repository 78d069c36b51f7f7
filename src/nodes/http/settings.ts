// Limits of the HTTP client shared by the http_*, slack_notification, send_email (Resend) and
// arangodb_aql nodes.
import { defineSetting } from '../../config/settings.js';

export const httpSettings = {
  maxResponseBytes: defineSetting<number>({
    env: 'IRONFLOW_MAX_HTTP_RESPONSE_BYTES',
    kind: 'int',
    min: 0,
    default: 52_428_800,
    description:
      'Largest HTTP response body a node reads (http_*, slack_notification, send_email via Resend, arangodb_aql); a bigger one fails the step as soon as the limit is passed. 0 disables.',
  }),
  blockPrivateNetwork: defineSetting<boolean>({
    env: 'IRONFLOW_HTTP_BLOCK_PRIVATE_NETWORK',
    kind: 'bool',
    default: false,
    description:
      'Turn on block_private_network for every http_* step, whatever the flow says (for servers that run untrusted flows).',
  }),
};
