// Node family 'markdown': Markdown <-> HTML (NODES 13). marked, sanitize-html and turndown load on first use.
import type { NodeDefinition } from '../types.js';
import { htmlToMarkdown } from './html-to-markdown.js';
import { markdownToHtml } from './markdown-to-html.js';

export const nodes: NodeDefinition[] = [markdownToHtml, htmlToMarkdown] as NodeDefinition[];
