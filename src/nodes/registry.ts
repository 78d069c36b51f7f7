// Every node family registers here. The catalog below lists each family's node names, so the names are
// known without loading anything; a family's module loads when a flow uses one of its nodes (or when all
// nodes are listed). Start-up therefore parses only what the flow needs: the node code was most of the
// CLI's start-up (measured). Heavy libraries load later still, inside a node's run(). A test checks the
// catalog against the families' own lists, so the two cannot drift.
import { nodes as coreNodes } from './core/index.js';
import type { NodeDefinition } from './types.js';

type FamilyModule = { nodes: NodeDefinition[] };

interface Family {
  nodes: readonly string[];
  load: () => Promise<FamilyModule>;
}

export const CATALOG: Record<string, Family> = {
  // Almost every flow uses the core nodes: they are imported up front.
  core: {
    nodes: [
      'log',
      'template_render',
      'hash',
      'json_parse',
      'json_stringify',
      'delay',
      'code',
      'foreach',
      'if_node',
      'switch_node',
      'if_http_status',
      'if_body_contains',
    ],
    load: () => Promise.resolve({ nodes: coreNodes }),
  },
  data: {
    nodes: [
      'json_extract_path',
      'csv_parse',
      'csv_stringify',
      'select_fields',
      'rename_fields',
      'data_filter',
      'data_transform',
      'batch',
      'deduplicate',
    ],
    load: () => import('./data/index.js'),
  },
  validation: { nodes: ['validate_schema', 'json_validate'], load: () => import('./validation/index.js') },
  files: {
    nodes: ['read_file', 'write_file', 'copy_file', 'move_file', 'delete_file', 'list_directory'],
    load: () => import('./files/index.js'),
  },
  shell: { nodes: ['shell_command'], load: () => import('./shell/index.js') },
  cache: { nodes: ['cache_set', 'cache_get'], load: () => import('./cache/index.js') },
  markdown: { nodes: ['markdown_to_html', 'html_to_markdown'], load: () => import('./markdown/index.js') },
  http: {
    nodes: ['http_request', 'http_get', 'http_post', 'http_put', 'http_delete'],
    load: () => import('./http/index.js'),
  },
  notify: { nodes: ['send_email', 'slack_notification'], load: () => import('./notify/index.js') },
  db: { nodes: ['db_query', 'db_exec'], load: () => import('./db/index.js') },
  arangodb: { nodes: ['arangodb_aql'], load: () => import('./arangodb/index.js') },
  s3: {
    nodes: [
      's3_put_object',
      's3_get_object',
      's3_delete_object',
      's3_copy_object',
      's3_list_objects',
      's3_list_buckets',
      's3_presign_url',
    ],
    load: () => import('./s3/index.js'),
  },
  s3vector: {
    nodes: [
      's3vector_create_bucket',
      's3vector_get_bucket',
      's3vector_create_index',
      's3vector_get_index',
      's3vector_put_vectors',
      's3vector_query_vectors',
      's3vector_delete_vectors',
    ],
    load: () => import('./s3vector/index.js'),
  },
  ai: {
    nodes: ['llm', 'ai_embed', 'ai_chunk', 'ai_chunk_merge', 'ai_chunk_semantic'],
    load: () => import('./ai/index.js'),
  },
  docs: {
    nodes: [
      'extract_word',
      'extract_pdf',
      'extract_html',
      'extract_vtt',
      'extract_srt',
      'pdf_metadata',
      'pdf_to_image',
      'pdf_thumbnail',
    ],
    load: () => import('./docs/index.js'),
  },
  images: {
    nodes: ['image_resize', 'image_crop', 'image_rotate', 'image_flip', 'image_grayscale', 'image_to_pdf'],
    load: () => import('./images/index.js'),
  },
  composition: {
    nodes: ['subworkflow', 'parallel_subworkflows'],
    load: () => import('./composition/index.js'),
  },
};

export class NodeRegistry {
  private readonly byName = new Map<string, NodeDefinition>();
  /** Node name -> family, for names whose family is not loaded yet. */
  private readonly pending = new Map<string, string>();
  private readonly loading = new Map<string, Promise<void>>();

  /** A registry of the given definitions, plus (lazily) the families of `catalog`. */
  constructor(
    defs: Iterable<NodeDefinition> = [],
    private readonly catalog: Record<string, Family> = {},
  ) {
    for (const d of defs) this.add(d);
    for (const [family, f] of Object.entries(catalog)) {
      for (const name of f.nodes) if (!this.byName.has(name)) this.pending.set(name, family);
    }
  }

  add(def: NodeDefinition): void {
    if (this.byName.has(def.name)) throw new Error(`node '${def.name}' is registered twice`);
    this.byName.set(def.name, def);
    this.pending.delete(def.name);
  }

  private loadFamily(family: string): Promise<void> {
    let p = this.loading.get(family);
    if (!p) {
      p = this.catalog[family]!.load().then((m) => {
        for (const d of m.nodes) if (!this.byName.has(d.name)) this.add(d);
      });
      this.loading.set(family, p);
    }
    return p;
  }

  /** Load the families of these node types (unknown names are left for validation to report). */
  async ensure(types: Iterable<string>): Promise<void> {
    const families = new Set<string>();
    for (const t of types) {
      const f = this.pending.get(t);
      if (f) families.add(f);
    }
    await Promise.all([...families].map((f) => this.loadFamily(f)));
  }

  /** Load every family (to list all nodes). */
  async loadAll(): Promise<void> {
    await Promise.all(Object.keys(this.catalog).map((f) => this.loadFamily(f)));
  }

  /** The node's definition; its family must be loaded (see ensure). Unknown names give undefined. */
  get(name: string): NodeDefinition | undefined {
    const def = this.byName.get(name);
    if (def) return def;
    if (this.pending.has(name)) throw new Error(`node '${name}' was not loaded (call registry.ensure first)`);
    return undefined;
  }

  has(name: string): boolean {
    return this.byName.has(name) || this.pending.has(name);
  }

  /** All nodes sorted by name (as `ironflow nodes` and GET /nodes list them); call loadAll first. */
  list(): NodeDefinition[] {
    if (this.pending.size > 0) throw new Error('node families not loaded (call registry.loadAll first)');
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every node name, loaded or not, sorted. */
  names(): string[] {
    return [...this.byName.keys(), ...this.pending.keys()].sort();
  }
}

/** The built-in registry. */
export const registry = new NodeRegistry([], CATALOG);
