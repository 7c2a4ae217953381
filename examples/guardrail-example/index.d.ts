import type { ThirdPartyGuardrail } from '@tollgate/plugin-guardrails';

export interface LinkGuardOptions {
  /** Domains (and their subdomains) whose links are left alone. */
  allow?: string[];
  /** `mask` (default) replaces other links with `[LINK]`; `block` refuses the request. */
  action?: 'mask' | 'block';
}

export default function linkGuard(options?: LinkGuardOptions): ThirdPartyGuardrail;
