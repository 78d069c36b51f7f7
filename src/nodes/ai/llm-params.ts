// The parameters of the llm node (NODES 17.1), with their interpolation (I / I*) and env fallbacks.
import { p } from '../params.js';
import { oauthParams } from './oauth.js';

export const llmParams = {
  provider: p.string({
    description:
      'openai, openai_compatible (alias compatible), azure, custom, ollama or oauth (case-insensitive); ' +
      'Gemini and Groq go through custom or openai_compatible with their OpenAI-compatible base URL',
    default: 'openai',
  }),
  mode: p.string({
    description: 'chat (Chat Completions), responses (Responses API) or auto (case-insensitive)',
    default: 'chat',
  }),
  responses_input: p.boolean({
    description: 'auto mode: use the Responses API when no messages are given',
    default: false,
  }),
  model: p.string({ description: 'Model name (default gpt-5-mini; llama3.2 for ollama)' }),
  chat_model: p.string({ description: 'Model for chat mode when `model` is absent' }),
  responses_model: p.string({ description: 'Model for responses mode when `model` is absent' }),
  prompt: p.string({ description: 'The user message', interpolate: 'string' }),
  input_key: p.string({
    description: 'Context key whose string value is the user message',
    interpolate: 'string',
  }),
  messages: p.any({
    description:
      'The conversation as an array of {role, content, ...}; wins over prompt. Responses mode sends it as the input array',
    interpolate: 'deep',
  }),
  system_prompt: p.string({
    description: 'System message (chat) or instructions (responses), used when `messages` is absent',
    interpolate: 'string',
  }),
  system: p.string({ description: 'Alias of system_prompt', interpolate: 'string' }),
  temperature: p.number({ description: 'Sampling temperature' }),
  max_tokens: p.integer({
    description: 'Reply token cap: max_tokens (chat) or max_output_tokens (responses)',
    minimum: 0,
  }),
  max_output_tokens: p.integer({ description: 'Sent as max_output_tokens', minimum: 0 }),
  tools: p.any({
    description:
      'Tool definitions (an array, or one object); chat-style function tools are converted for responses mode',
    interpolate: 'deep',
  }),
  tool_choice: p.any({ description: 'A string (auto, none, required) or an object', interpolate: 'deep' }),
  response_format: p.any({
    description:
      "'json_object', 'text', or an object such as {type = 'json_schema', json_schema = {name, schema, strict}}; " +
      'a reply that is not JSON, or breaks the json_schema, then fails the step',
    interpolate: 'deep',
  }),
  extra: p.object({
    description: 'Entries copied into the request body last (they override anything, model included)',
    interpolate: 'deep',
  }),
  timeout: p.number({ description: 'Seconds for the request', default: 30, exclusiveMinimum: 0 }),
  output_key: p.string({ description: 'Prefix of the output keys', default: 'llm' }),
  base_url: p.string({
    description:
      'API base: openai (env OPENAI_BASE_URL, default https://api.openai.com/v1), openai_compatible ' +
      '(env OPENAI_COMPATIBLE_BASE_URL, then LLM_BASE_URL), custom (env LLM_BASE_URL), oauth (env OAUTH_BASE_URL)',
    interpolate: 'string',
  }),
  api_key: p.string({
    description:
      'API key: openai and openai_compatible (env OPENAI_API_KEY), azure (env AZURE_OPENAI_API_KEY), custom (no env)',
    interpolate: 'string',
    secret: true,
  }),
  azure_endpoint: p.string({
    description: 'azure: resource endpoint',
    interpolate: 'string',
    env: 'AZURE_OPENAI_ENDPOINT',
  }),
  azure_api_version: p.string({
    description: 'azure: api-version (default 2024-08-01-preview)',
    interpolate: 'string',
    env: 'AZURE_OPENAI_API_VERSION',
  }),
  azure_chat_deployment: p.string({
    description: 'azure: deployment for chat mode',
    interpolate: 'string',
    env: 'AZURE_OPENAI_CHAT_DEPLOYMENT',
  }),
  azure_responses_deployment: p.string({
    description: 'azure: deployment for responses mode',
    interpolate: 'string',
    env: 'AZURE_OPENAI_RESPONSES_DEPLOYMENT',
  }),
  path: p.string({ description: 'custom: request path for both modes (or a full URL)' }),
  chat_path: p.string({ description: 'custom: chat path (default /chat/completions)' }),
  responses_path: p.string({ description: 'custom: responses path (default /responses)' }),
  auth_type: p.string({ description: 'custom: bearer (default), api_key or none' }),
  auth_header: p.string({ description: 'custom, auth_type api_key: header name (default x-api-key)' }),
  ollama_host: p.string({
    description: 'ollama: server URL (default http://localhost:11434)',
    interpolate: 'string',
    env: 'OLLAMA_HOST',
  }),
  ...oauthParams(),
};
