/**
 * LiteLLM's duration strings ("30s", "30m", "24h", "7d", "2w", "1mo") and its standardized
 * budget reset times, in UTC: litellm/litellm_core_utils/duration_parser.py
 * (duration_in_seconds, get_next_standardized_reset_time).
 */
const DURATION = /^(\d+)(mo|[smhdw]?)$/;

export function parseDuration(duration: string): { value: number; unit: string } | null {
  const m = DURATION.exec(String(duration).trim());
  return m ? { value: Number(m[1]), unit: m[2] || 's' } : null;
}

/** Milliseconds a duration lasts from `now` (a month is a calendar month). Null when invalid. */
export function durationMs(duration: string, now = Date.now()): number | null {
  const d = parseDuration(duration);
  if (!d) return null;
  switch (d.unit) {
    case 's': return d.value * 1000;
    case 'm': return d.value * 60_000;
    case 'h': return d.value * 3_600_000;
    case 'd': return d.value * 86_400_000;
    case 'w': return d.value * 604_800_000;
    default: {
      const t = new Date(now);
      const target = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + d.value, 1, t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds(), t.getUTCMilliseconds()));
      const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
      target.setUTCDate(Math.min(t.getUTCDate(), lastDay));
      return target.getTime() - now;
    }
  }
}

const DAY = 86_400_000;

/**
 * When a budget with this duration next resets, aligned as LiteLLM aligns it: "1d" at the next
 * midnight, "7d" next Monday, "30d" and "1mo" on the 1st of next month, "Nh"/"Nm"/"Ns" on the
 * next multiple of N within the day/hour/minute, other "Nd" N days after today's midnight.
 */
export function nextResetAt(duration: string, now = Date.now()): number | null {
  const d = parseDuration(duration);
  if (!d) return null;
  const t = new Date(now);
  const midnight = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  const nextMonth = Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1);
  const aligned = (current: number, n: number) => current + n - (current % n);
  if (d.value === 0) return now;
  switch (d.unit) {
    case 'w':
    case 'd': {
      const days = d.unit === 'w' ? d.value * 7 : d.value;
      if (days === 1) return midnight + DAY;
      if (days === 7) return midnight + (((8 - t.getUTCDay()) % 7) || 7) * DAY;
      if (days === 30) return nextMonth;
      return midnight + days * DAY;
    }
    case 'h': return midnight + aligned(t.getUTCHours(), d.value) * 3_600_000;
    case 'm': return midnight + t.getUTCHours() * 3_600_000 + aligned(t.getUTCMinutes(), d.value) * 60_000;
    case 's': return midnight + t.getUTCHours() * 3_600_000 + t.getUTCMinutes() * 60_000 + aligned(t.getUTCSeconds(), d.value) * 1000;
    default: return nextMonth;
  }
}

/** The reset time that is in force at `now`, starting from a stored one that may have passed. */
export function currentResetAt(duration: string, storedResetAt: number | null, now = Date.now()): number | null {
  if (storedResetAt !== null && storedResetAt > now) return storedResetAt;
  return nextResetAt(duration, now);
}
