// Node family 'files' (NODES 5): read_file, write_file, copy_file, move_file, delete_file, list_directory.
// Paths are used as given: relative ones resolve against the engine process's working directory.
import type { NodeDefinition } from '../types.js';
import { listDirectoryNode } from './list.js';
import { copyFileNode, deleteFileNode, moveFileNode } from './manage.js';
import { readFileNode } from './read.js';
import { writeFileNode } from './write.js';

export const nodes: NodeDefinition[] = [
  readFileNode,
  writeFileNode,
  copyFileNode,
  moveFileNode,
  deleteFileNode,
  listDirectoryNode,
] as NodeDefinition[];
