import { randomUUID } from 'node:crypto';
import { BadRequestError, upstreamFormatError, type Deployment, type RerankRequest, type RerankResponse, type UpstreamRequest } from '@tollgate/core';
import type { BedrockState } from './state.js';

function documentText(d: string | Record<string, unknown>, fields: readonly string[] | undefined): string {
  if (typeof d === 'string') return d;
  const keys = fields?.length ? fields : ['text'];
  return keys.map((k) => d[k]).filter((v) => v != null).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n');
}

/**
 * Canonical rerank (Cohere's shape) -> bedrock-agent-runtime `POST /rerank` (API_agent-runtime_Rerank.html),
 * the API LiteLLM calls for `bedrock/` rerank models (litellm/llms/bedrock/rerank/transformation.py):
 * one TEXT query, INLINE sources (TEXT, or JSON for objects without rank_fields), the model as a
 * foundation-model ARN. Signed by the deployment's `authorize` like every Bedrock request.
 */
export function buildBedrockRerankRequest(req: RerankRequest, deployment: Pick<Deployment<BedrockState>, 'prepared'>): UpstreamRequest {
  const s = deployment.prepared.state;
  if (typeof req.query !== 'string' || !req.query) throw new BadRequestError("'query' must be a non-empty string.", { param: 'query' });
  if (!Array.isArray(req.documents) || req.documents.length === 0) throw new BadRequestError("'documents' must be a non-empty list.", { param: 'documents' });
  for (const p of ['max_chunks_per_doc', 'max_tokens_per_doc'] as const) {
    if (req[p] != null && !s.dropParams) throw new BadRequestError(`Bedrock rerank does not support the parameter '${p}'. Remove it, or set drop_params: true to drop unsupported parameters.`, { param: p, code: 'unsupported_parameter' });
  }
  const sources = req.documents.map((d) => {
    if (typeof d === 'string' || req.rank_fields?.length) {
      return { type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: documentText(d, req.rank_fields) } } };
    }
    return { type: 'INLINE', inlineDocumentSource: { type: 'JSON', jsonDocument: d } };
  });
  const modelArn = s.model.id.startsWith('arn:') ? s.model.id : `arn:aws:bedrock:${s.region}::foundation-model/${s.model.id}`;
  const body = {
    queries: [{ type: 'TEXT', textQuery: { text: req.query } }],
    sources,
    rerankingConfiguration: {
      type: 'BEDROCK_RERANKING_MODEL',
      bedrockRerankingConfiguration: { numberOfResults: req.top_n ?? req.documents.length, modelConfiguration: { modelArn } },
    },
  };
  return { method: 'POST', url: `${s.agentBase}/rerank`, headers: { ...deployment.prepared.headers }, body: JSON.stringify(body) };
}

/**
 * Rerank answer (`{results: [{index, relevanceScore, document?}]}`) -> Cohere's shape. Bedrock has no
 * id or billing units in the answer: as LiteLLM, a fresh id and one search unit. Pass the request to
 * return the documents' text when it asked for `return_documents`.
 */
export function parseBedrockRerankResponse(body: unknown, request?: RerankRequest): RerankResponse {
  const results = (body as { results?: Array<{ index?: number; relevanceScore?: number }> })?.results;
  if (!Array.isArray(results) || !results.every((r) => typeof r.index === 'number' && typeof r.relevanceScore === 'number')) {
    throw upstreamFormatError('a rerank answer without results');
  }
  return {
    id: randomUUID(),
    results: results.map((r) => {
      const out: RerankResponse['results'][number] = { index: r.index!, relevance_score: r.relevanceScore! };
      const doc = request?.return_documents ? request.documents[r.index!] : undefined;
      if (doc !== undefined) out.document = { text: documentText(doc, request?.rank_fields) };
      return out;
    }),
    meta: { billed_units: { search_units: 1 } },
  };
}
