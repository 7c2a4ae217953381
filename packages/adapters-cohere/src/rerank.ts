import {
  BadRequestError,
  compileParamTable,
  upstreamFormatError,
  type CompiledParams,
  type Deployment,
  type RequestContext,
  type RerankRequest,
  type RerankResponse,
  type UpstreamRequest,
} from '@tollgate/core';
import type { CohereRerankResponseBody } from './types.js';
import type { CohereState } from './state.js';

/** Canonical fields v2 does not have, or that the builder writes itself. */
const LOCAL = new Set(['model', 'documents', 'rank_fields', 'return_documents', 'max_chunks_per_doc']);
const RERANK_PARAMS: ReadonlySet<string> = new Set(['query', 'top_n', 'max_tokens_per_doc']);

/** The rerank fields a deployment forwards: v2's, plus those it allows (`allowed_client_params`: `priority`). */
export function cohereRerankParams(allowed?: readonly string[]): CompiledParams {
  return compileParamTable({}, { dropParams: false, provider: 'Cohere', known: RERANK_PARAMS, allowed });
}

/**
 * A document as the text v2 ranks: a string as is; an object's `rank_fields` as YAML-style
 * `key: value` lines, the format Cohere recommends for structured data (docs.cohere.com/reference/rerank);
 * without rank_fields, its `text` (v1's default rank field), else all its fields as such lines.
 */
export function rerankDocumentText(doc: string | Record<string, unknown>, rankFields?: readonly string[]): string {
  if (typeof doc === 'string') return doc;
  if (!rankFields?.length && typeof doc.text === 'string') return doc.text;
  const keys = rankFields?.length ? rankFields.filter((k) => k in doc) : Object.keys(doc);
  return keys.map((k) => `${k}: ${typeof doc[k] === 'string' ? doc[k] : JSON.stringify(doc[k])}`).join('\n');
}

/**
 * Canonical rerank request (Cohere's shape, as LiteLLM's /rerank takes it) -> `POST /v2/rerank`.
 * `return_documents` is honoured locally by `parseCohereRerankResponse` (v2 returns indices only);
 * v1's `max_chunks_per_doc` has no v2 field (v2 truncates to `max_tokens_per_doc`) and is refused, or
 * dropped with a warning under drop_params.
 */
export function buildCohereRerankRequest(req: RerankRequest, deployment: Pick<Deployment<CohereState>, 'providerModel' | 'prepared'>, ctx: RequestContext | null = null): UpstreamRequest {
  const s = deployment.prepared.state;
  if (!Array.isArray(req.documents)) throw new BadRequestError('documents must be a list of strings or objects.', { param: 'documents' });
  if (req.max_chunks_per_doc != null) {
    if (!s.dropParams) {
      throw new BadRequestError("Cohere's v2 rerank has no 'max_chunks_per_doc' (use max_tokens_per_doc). Remove it, or set drop_params: true to drop unsupported parameters.", { param: 'max_chunks_per_doc', code: 'unsupported_parameter' });
    }
    ctx?.warnings.push("dropped unsupported param 'max_chunks_per_doc'");
  }
  const body: Record<string, unknown> = { model: s.model };
  s.rerankParams.apply(req, body, ctx, LOCAL);
  body.documents = req.documents.map((d) => rerankDocumentText(d, req.rank_fields));
  return { method: 'POST', url: s.rerankUrl, headers: deployment.prepared.headers, body: JSON.stringify(body) };
}

/**
 * `POST /v2/rerank` response -> canonical RerankResponse. With the request given and
 * `return_documents: true`, each result carries `document.text` (the text that was ranked).
 */
export function parseCohereRerankResponse(body: unknown, request?: RerankRequest): RerankResponse {
  const r = body as CohereRerankResponseBody;
  if (!r || typeof r !== 'object' || !Array.isArray(r.results)) throw upstreamFormatError('a rerank response without results');
  const docs = request?.return_documents === true ? request.documents : undefined;
  const out: RerankResponse = {
    id: r.id ?? '',
    results: r.results.map((x) => {
      const doc = docs?.[x.index];
      const result = { index: x.index, relevance_score: x.relevance_score };
      return doc === undefined ? result : { ...result, document: { text: rerankDocumentText(doc, request?.rank_fields) } };
    }),
  };
  if (r.meta) out.meta = r.meta;
  return out;
}
