// Node family 'ai' (NODES 17): llm, ai_embed, ai_chunk, ai_chunk_merge, ai_chunk_semantic.
import type { NodeDefinition } from '../types.js';
import { aiChunk, aiChunkMerge } from './chunk.js';
import { aiEmbed } from './embed.js';
import { llm } from './llm.js';
import { aiChunkSemantic } from './semantic.js';

export const nodes: NodeDefinition[] = [
  llm,
  aiEmbed,
  aiChunk,
  aiChunkMerge,
  aiChunkSemantic,
] as NodeDefinition[];
