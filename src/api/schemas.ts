// The JSON schemas of the REST API, written once: Fastify validates requests with them and
// GET /openapi.json publishes them (with the response schemas) as an OpenAPI 3.1 document.
import { RUN_STATUSES, TASK_STATUSES } from '../engine/types.js';

type Schema = Record<string, unknown>;

const nullableString = (description: string): Schema => ({ type: ['string', 'null'], description });

const flowSourceProps = {
  source: nullableString('Lua flow source (inline). Refused with 403 when allow_adhoc_flows is false.'),
  source_base64: nullableString('Lua flow source, standard base64 with padding.'),
  file: nullableString('Path of a flow file; relative paths resolve under flows_dir, which confines them.'),
};

export const FlowRunBody: Schema = {
  type: 'object',
  description: "Exactly one of 'source', 'source_base64' or 'file'; unknown members are ignored.",
  properties: {
    ...flowSourceProps,
    context: { type: ['object', 'null'], description: 'Initial context (null means {}).' },
    wait: {
      type: 'boolean',
      description: 'false: answer 202 with the run id at once and run in the background (default true).',
    },
  },
};

export const FlowValidateBody: Schema = {
  type: 'object',
  description: "Exactly one of 'source', 'source_base64' or 'file'.",
  properties: {
    ...flowSourceProps,
    strict: { type: 'boolean', description: 'Undefined-global warnings make the flow invalid.' },
  },
};

export const RunIdParams: Schema = {
  type: 'object',
  required: ['id'],
  properties: {
    id: {
      type: 'string',
      description:
        "Run id: 1-128 letters, digits, '-' or '_', starting and ending with a letter or digit (else 400).",
    },
  },
};

export const WebhookParams: Schema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', description: 'A webhook name declared in ironflow.yaml.' } },
};

export const RunsQuery: Schema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: [...RUN_STATUSES], description: 'Only runs with this status.' },
    flow_name: { type: 'string', description: 'Only runs of this flow.' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50, description: 'Page size.' },
    cursor: { type: 'string', description: "The previous page's next_cursor." },
  },
};

export const EventsHeaders: Schema = {
  type: 'object',
  properties: {
    'last-event-id': { type: 'string', description: 'Resume a live stream after this event id.' },
  },
};

const IdempotencyHeader: Schema = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      description:
        'Repeat a request safely: the same key returns the original run instead of starting another (remembered by this server process for IRONFLOW_IDEMPOTENCY_TTL_SECONDS).',
    },
  },
};

export const RunHeaders = IdempotencyHeader;

// ----- responses (documentation) --------------------------------------------------------------------

export const ErrorBody: Schema = {
  type: 'object',
  required: ['error', 'code'],
  properties: {
    error: { type: 'string', description: 'A message safe to show; never internal details.' },
    code: {
      type: 'string',
      enum: [
        'bad_request',
        'unauthorized',
        'forbidden',
        'not_found',
        'method_not_allowed',
        'conflict',
        'payload_too_large',
        'unsupported_media_type',
        'unprocessable_entity',
        'service_unavailable',
        'internal_error',
      ],
    },
    errors: { type: 'array', items: { type: 'string' }, description: 'Validation failures of a flow.' },
    error_id: { type: 'string', description: 'Internal errors only; also in the X-Error-ID header.' },
  },
};

export const RunAccepted: Schema = {
  type: 'object',
  required: ['run_id', 'flow_name', 'status'],
  properties: {
    run_id: { type: 'string' },
    flow_name: { type: 'string' },
    status: { type: 'string', enum: [...RUN_STATUSES] },
  },
};

export const ValidateResult: Schema = {
  type: 'object',
  required: ['valid', 'flow_name', 'steps'],
  properties: {
    valid: { type: 'boolean' },
    flow_name: { type: ['string', 'null'] },
    steps: { type: ['integer', 'null'], description: 'Step count, step_if guards included.' },
    errors: { type: 'array', items: { type: 'string' }, description: 'Omitted when empty.' },
    warnings: {
      type: 'array',
      description: 'Omitted when empty.',
      items: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          line: { type: 'integer' },
          column: { type: 'integer' },
          step: { type: 'string' },
        },
      },
    },
  },
};

const RunSummary: Schema = {
  type: 'object',
  required: ['id', 'flow_name', 'status', 'started', 'finished', 'task_count'],
  properties: {
    id: { type: 'string' },
    flow_name: { type: 'string' },
    status: { type: 'string', enum: [...RUN_STATUSES] },
    started: { type: ['string', 'null'], format: 'date-time' },
    finished: { type: ['string', 'null'], format: 'date-time' },
    task_count: { type: 'integer' },
    parent_run_id: { type: 'string' },
    parent_step: { type: 'string' },
  },
};

export const RunList: Schema = {
  type: 'object',
  required: ['runs', 'total', 'next_cursor'],
  properties: {
    runs: { type: 'array', items: RunSummary, description: 'Newest first.' },
    total: { type: 'integer', description: 'Number of runs in this page (not in the whole store).' },
    next_cursor: {
      type: ['string', 'null'],
      description: 'Pass as ?cursor= for the next page; null on the last page.',
    },
  },
};

const TaskState: Schema = {
  type: 'object',
  required: ['name', 'status', 'attempt', 'node_type'],
  properties: {
    name: { type: 'string' },
    status: { type: 'string', enum: [...TASK_STATUSES] },
    attempt: { type: 'integer' },
    node_type: { type: 'string' },
    output: { type: 'object' },
    error: { type: 'string' },
    started: { type: 'string', format: 'date-time' },
    finished: { type: 'string', format: 'date-time' },
  },
};

export const RunInfo: Schema = {
  type: 'object',
  required: ['id', 'flow_name', 'status', 'started', 'finished', 'ctx', 'tasks'],
  properties: {
    ...(RunSummary.properties as Schema),
    ctx: { type: 'object', description: 'The final context (webhook _headers never appear).' },
    tasks: {
      type: 'object',
      additionalProperties: TaskState,
      description: 'Keyed by step, in declaration order.',
    },
  },
};

export const Deleted: Schema = {
  type: 'object',
  required: ['deleted'],
  properties: { deleted: { type: 'string' } },
};

export const NodeList: Schema = {
  type: 'object',
  required: ['nodes', 'total'],
  properties: {
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['node_type', 'description'],
        properties: {
          node_type: { type: 'string' },
          description: { type: 'string' },
          category: { type: 'string' },
          parameters: { type: 'object', description: 'JSON Schema of the node configuration.' },
          outputs: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
    total: { type: 'integer' },
  },
};

export const Health: Schema = {
  type: 'object',
  required: ['status', 'version'],
  properties: { status: { type: 'string', enum: ['ok'] }, version: { type: 'string' } },
};
