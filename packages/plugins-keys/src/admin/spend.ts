import { toHash } from '../keygen.js';
import type { SpendLogFilter } from '../store/store.js';
import type { KeyRecord, SpendLogRow, UserRecord } from '../types.js';
import type { AdminContext } from './context.js';
import { ok, type AdminRoute } from './route.js';
import { invalid, withPending } from './util.js';

/**
 * /spend/logs, /spend/keys, /spend/users and /global/spend/report as
 * litellm/proxy/spend_tracking/spend_management_endpoints.py serves them. Each first writes
 * this process's pending spend, so a caller reads what it just spent.
 */
function day(q: string | undefined, field: string): number | undefined {
  if (q === undefined) return undefined;
  const ms = Date.parse(q.length === 10 ? `${q}T00:00:00Z` : q);
  if (Number.isNaN(ms)) throw invalid(`${field}: expected a date like 2024-01-31`, field);
  return ms;
}

function range(query: Record<string, string | undefined>): { start?: number; end?: number } {
  const start = day(query.start_date, 'start_date');
  const end = day(query.end_date, 'end_date');
  // end_date is a day, included whole.
  return { start, end: end === undefined ? undefined : query.end_date!.length === 10 ? end + 86_400_000 : end };
}

const dayOf = (row: SpendLogRow) => `${row.startTime.slice(0, 10)}T00:00:00+00:00`;

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  }
  return m;
}

const sum = (rows: readonly SpendLogRow[], f: (r: SpendLogRow) => number) => rows.reduce((a, r) => a + f(r), 0);

function perModel(rows: readonly SpendLogRow[]) {
  return [...groupBy(rows, (r) => r.model_group ?? r.model)].map(([model, rs]) => ({ model, spend: sum(rs, (r) => r.spend), total_tokens: sum(rs, (r) => r.total_tokens) }));
}

export function spendRoutes(ctx: AdminContext): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/spend/logs',
      auth: 'admin',
      handler: async ({ query }) => {
        await ctx.spend.flush();
        const { start, end } = range(query);
        const filter: SpendLogFilter = {
          ...(query.request_id ? { request_id: query.request_id } : {}),
          ...(query.api_key ? { api_key: toHash(query.api_key) } : {}),
          ...(query.user_id ? { user_id: query.user_id } : {}),
          ...(start !== undefined ? { start_ms: start } : {}),
          ...(end !== undefined ? { end_ms: end } : {}),
        };
        const rows = await ctx.store.spendLogs(filter);
        if (start === undefined || query.summarize === 'false') return ok(rows);
        // A date range is summarized per day, as LiteLLM's default summarize=true does.
        return ok(
          [...groupBy(rows, dayOf)].map(([startTime, rs]) => ({
            startTime,
            spend: sum(rs, (r) => r.spend),
            models: Object.fromEntries(perModel(rs).map((m) => [m.model, m.spend])),
            users: Object.fromEntries([...groupBy(rs, (r) => r.user ?? '')].map(([u, ur]) => [u, sum(ur, (r) => r.spend)])),
          })),
        );
      },
    },
    {
      method: 'GET',
      path: '/spend/keys',
      auth: 'admin',
      handler: async ({ query }) => {
        await ctx.spend.flush();
        const keys = (await ctx.store.find<KeyRecord>('keys')).map((k) => withPending(ctx, 'keys', k.token, k)).sort((a, b) => b.spend - a.spend);
        const limit = query.limit ? Number(query.limit) : undefined;
        return ok(limit ? keys.slice(0, limit) : keys);
      },
    },
    {
      method: 'GET',
      path: '/spend/users',
      auth: 'admin',
      handler: async ({ query }) => {
        await ctx.spend.flush();
        const users = query.user_id ? await ctx.store.find<UserRecord>('users', { id: query.user_id }) : await ctx.store.find<UserRecord>('users');
        return ok(users);
      },
    },
    {
      method: 'GET',
      path: '/global/spend/report',
      auth: 'admin',
      handler: async ({ query }) => {
        await ctx.spend.flush();
        const { start, end } = range(query);
        const rows = await ctx.store.spendLogs({ ...(start !== undefined ? { start_ms: start } : {}), ...(end !== undefined ? { end_ms: end } : {}) });
        const by = query.group_by ?? 'team';
        if (by === 'api_key') {
          return ok(
            [...groupBy(rows, (r) => r.api_key)].map(([api_key, rs]) => ({
              api_key,
              total_cost: sum(rs, (r) => r.spend),
              total_input_tokens: sum(rs, (r) => r.prompt_tokens),
              total_output_tokens: sum(rs, (r) => r.completion_tokens),
              model_details: [...groupBy(rs, (r) => r.model_group ?? r.model)].map(([model, ms]) => ({
                model,
                total_cost: sum(ms, (r) => r.spend),
                total_input_tokens: sum(ms, (r) => r.prompt_tokens),
                total_output_tokens: sum(ms, (r) => r.completion_tokens),
              })),
            })),
          );
        }
        if (by !== 'team' && by !== 'customer') throw invalid('group_by: must be one of team, customer, api_key', 'group_by');
        const field = by === 'team' ? 'teams' : 'customers';
        return ok(
          [...groupBy(rows, dayOf)].map(([group_by_day, rs]) => ({
            group_by_day,
            [field]: [...groupBy(rs, (r) => (by === 'team' ? (r.team_id ?? 'Unassigned Team') : (r.end_user ?? '')))].map(([name, gs]) => ({
              [by === 'team' ? 'team_name' : 'customer']: name,
              total_spend: sum(gs, (r) => r.spend),
              metadata: perModel(gs),
            })),
          })),
        );
      },
    },
  ];
}
