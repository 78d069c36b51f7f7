// extract_vtt and extract_srt (NODES 14.4/14.5): subtitle cues, a plain transcript and a Markdown view.
import { p } from '../params.js';
import { defineNode } from '../types.js';
import {
  checkFileSource,
  checkTextFormat,
  decodeText,
  fileSourceParams,
  parseTextFormat,
  readDocument,
  resolveFilePath,
  textFormatParam,
} from './source.js';

export interface Cue {
  start_ms: number;
  end_ms: number;
  start: string;
  end: string;
  text: string;
}

/** `[h:]mm:ss[.,]fff` → milliseconds (mm, ss ≤ 59; the fraction's first three digits, right-padded). */
export function parseTimestamp(s: string): number | undefined {
  const m = /^(?:(\d+):)?(\d+):(\d+)(?:[.,](\d+))?$/.exec(s.trim());
  if (!m) return undefined;
  const h = m[1] === undefined ? 0 : Number(m[1]);
  const min = Number(m[2]);
  const sec = Number(m[3]);
  if (min > 59 || sec > 59) return undefined;
  const ms = m[4] === undefined ? 0 : Number(m[4].slice(0, 3).padEnd(3, '0'));
  const total = ((h * 60 + min) * 60 + sec) * 1000 + ms;
  return Number.isSafeInteger(total) ? total : undefined;
}

/** `HH:MM:SS.mmm`, hours zero-padded to two digits (more when needed). */
export function formatTimestamp(ms: number): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms % 1000, 3)}`;
}

function parseTiming(line: string): { start: number; end: number } | undefined {
  const at = line.indexOf('-->');
  if (at === -1) return undefined;
  const start = parseTimestamp(line.slice(0, at));
  const endToken = line
    .slice(at + 3)
    .trim()
    .split(/\s+/)[0];
  const end = endToken ? parseTimestamp(endToken) : undefined;
  if (start === undefined || end === undefined || end < start) return undefined;
  return { start, end };
}

/** Cue text: tags (`<v Speaker>`, `<i>`) removed, lines joined by one space, BOMs removed, trimmed. */
function cueText(lines: readonly string[]): string {
  return lines
    .map((l) => l.replace(/<[^>]*>/g, ''))
    .join(' ')
    .replace(/\uFEFF/g, '')
    .trim();
}

/**
 * Parse WebVTT or SRT. Blank lines and any line that is not a timing line are skipped (cue numbers,
 * identifiers, headers); VTT also skips the `WEBVTT` line and `NOTE` blocks. The lines after a valid timing
 * line, up to a blank line (or the next timing line), are the cue's text.
 */
export function parseSubtitles(source: string, vtt: boolean): Cue[] {
  const lines = source.split(/\r\n|\r|\n/);
  const cues: Cue[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    i++;
    const bare = line.replace(/^\uFEFF/, '').trim();
    if (bare === '') continue;
    if (vtt && bare === 'WEBVTT') continue;
    if (vtt && bare.startsWith('NOTE')) {
      while (i < lines.length && lines[i]!.trim() !== '') i++;
      continue;
    }
    const timing = parseTiming(bare);
    if (!timing) continue;
    const text: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && !parseTiming(lines[i]!)) {
      text.push(lines[i]!);
      i++;
    }
    const t = cueText(text);
    if (t) {
      cues.push({
        start_ms: timing.start,
        end_ms: timing.end,
        start: formatTimestamp(timing.start),
        end: formatTimestamp(timing.end),
        text: t,
      });
    }
  }
  return cues;
}

function subtitleNode(name: 'extract_vtt' | 'extract_srt') {
  const vtt = name === 'extract_vtt';
  return defineNode({
    name,
    category: 'Extraction',
    description: vtt
      ? 'Extract the transcript and cues of a WebVTT subtitle file'
      : 'Extract the transcript and cues of an SRT subtitle file',
    params: {
      ...fileSourceParams(vtt ? '.vtt file' : '.srt file'),
      format: textFormatParam,
      output_key: p.string({ description: 'Context key of the transcript', default: 'transcript' }),
      cues_key: p.string({ description: 'Context key of the cue list', default: 'cues' }),
      metadata_key: p.string({ description: 'When set, context key of the metadata object' }),
    },
    outputs: {
      transcript: 'cue texts joined with newlines (always written, un-prefixed)',
      '{output_key}': 'the same text, or for markdown one "- `start` -> `end`: text" line per cue',
      '{cues_key}': 'array of {start_ms, end_ms, start, end, text}',
      '{metadata_key}': '{type, cue_count, first_start_ms?, last_end_ms?, duration_ms?}',
    },
    check: (cfg) => [...checkFileSource(name, cfg), ...checkTextFormat(name, cfg)],
    async run(cfg, nc) {
      const format = parseTextFormat(name, cfg.format);
      const path = resolveFilePath(name, cfg, nc.ctx);
      const cues = parseSubtitles(decodeText(await readDocument(name, path, nc.signal)), vtt);
      const transcript = cues.map((c) => c.text).join('\n');
      const rendered =
        format === 'markdown'
          ? cues.map((c) => `- \`${c.start}\` -> \`${c.end}\`: ${c.text}`).join('\n')
          : transcript;
      // `transcript` first: with output_key "transcript" and markdown, the Markdown wins (NODES 14.4).
      const out: Record<string, unknown> = { transcript };
      out[cfg.output_key] = rendered;
      out[cfg.cues_key] = cues;
      if (cfg.metadata_key) {
        const meta: Record<string, unknown> = { type: vtt ? 'vtt' : 'srt', cue_count: cues.length };
        const first = cues[0];
        const last = cues[cues.length - 1];
        if (first && last) {
          if (first.start_ms > 0) meta.first_start_ms = first.start_ms;
          meta.last_end_ms = last.end_ms;
          meta.duration_ms = last.end_ms - first.start_ms;
        }
        out[cfg.metadata_key] = meta;
      }
      return out;
    },
  });
}

export const extractVtt = subtitleNode('extract_vtt');
export const extractSrt = subtitleNode('extract_srt');
