// While a run goes on a terminal, one status line on stderr shows which steps are running.
import type { RunEvent } from '../engine/events.js';

export class Progress {
  private readonly running = new Set<string>();
  private done = 0;
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private readonly enabled: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
  }

  onEvent = (e: RunEvent): void => {
    if (!this.enabled) return;
    if (e.type === 'run_started') {
      this.total = e.steps;
      // Redraw a few times a second at most; fast runs finish before anything is drawn.
      this.timer = setInterval(() => this.draw(), 150);
      this.timer.unref();
    } else if (e.type === 'task_started') this.running.add(e.step);
    else if (e.type === 'task_finished') {
      this.running.delete(e.step);
      this.done++;
    } else if (e.type === 'run_finished') this.stop();
  };

  private draw(): void {
    const names = [...this.running];
    const list = names.slice(0, 6).join(', ') + (names.length > 6 ? `, +${names.length - 6} more` : '');
    const line = `⟳ ${this.done}/${this.total} steps done${list ? ` · running: ${list}` : ''}`;
    const width = this.stream.columns ?? 80;
    this.stream.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
    this.shown = true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
