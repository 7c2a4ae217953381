/** A nearest-neighbour index of prompt embeddings, one namespace per scope (tenant and model group). */
export interface SemanticIndex {
  /** Nearest stored entry in `scope` with cosine similarity >= threshold, or null. */
  search(scope: string, vector: Float32Array, threshold: number): Promise<{ entryKey: string; score: number } | null>;
  add(scope: string, vector: Float32Array, entryKey: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Entries kept per scope unless configured: bounds a lookup to 1,000 dot products. */
export const DEFAULT_MAX_ENTRIES_PER_SCOPE = 1000;

/** Bytes of vectors kept in process across all scopes (the memory index, or the Redis index's copy). */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
