import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: 43 characters after "sk-" (LiteLLM uses secrets.token_urlsafe(16)). */
export function generateKey(): string {
  return `sk-${randomBytes(32).toString('base64url')}`;
}

/** The stored form of a key: its sha256 in hex, as LiteLLM's hash_token (litellm/proxy/_types.py). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A key as a request may name it: the key itself ("sk-...") or its stored hash. */
export function toHash(keyOrHash: string): string {
  return keyOrHash.startsWith('sk-') ? hashKey(keyOrHash) : keyOrHash;
}

/** "sk-...abcd": how LiteLLM shows a key (abbreviate_api_key in key_management_endpoints.py). */
export function keyName(key: string): string {
  return `sk-...${key.slice(-4)}`;
}
