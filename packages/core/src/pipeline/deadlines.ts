export interface Deadline {
  at: number;
  /** null once cleared (removed lazily at the next tick). */
  fire: (() => void) | null;
}

/**
 * Attempt deadlines on one coarse interval timer (50 ms) instead of a Timeout per attempt: a
 * request's timeout is counted in seconds, so 50 ms of slack costs nothing, while a timer per
 * attempt costs an allocation and a timer-list insert and removal on every request. Clearing only
 * marks the entry; the tick drops marked entries, so add and clear are O(1) with no hashing.
 */
export class Deadlines {
  private entries: Deadline[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly tickMs = 50) {}

  /** Call `fire` once, about `ms` from now, unless the deadline is cleared first. */
  add(ms: number, fire: () => void): Deadline {
    const d: Deadline = { at: performance.now() + ms, fire };
    this.entries.push(d);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
    return d;
  }

  clear(d: Deadline | null): void {
    if (d) d.fire = null;
  }

  private tick(): void {
    if (this.entries.length === 0) {
      // Idle for a whole tick: stop until the next deadline.
      clearInterval(this.timer!);
      this.timer = null;
      return;
    }
    const now = performance.now();
    const due: Array<() => void> = [];
    this.entries = this.entries.filter((d) => {
      if (!d.fire) return false;
      if (d.at > now) return true;
      due.push(d.fire);
      d.fire = null;
      return false;
    });
    for (const fire of due) fire();
  }
}
