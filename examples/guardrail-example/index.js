/**
 * A third-party Tollgate guardrail in plain JavaScript: links to domains outside an allow list
 * are masked (`[LINK]`) or, with `action: "block"`, refused. It implements the whole guardrail
 * interface: a name, the modes it supports, and `check(input)` returning pass, mask or block.
 *
 * The default export is a factory Tollgate calls once at start-up with the entry's options.
 *
 * @param {{ allow?: string[], action?: 'mask' | 'block' }} [options]
 * @returns {import('@tollgate/plugin-guardrails').ThirdPartyGuardrail}
 */
export default function linkGuard(options = {}) {
  const allow = (options.allow ?? []).map((d) => d.toLowerCase());
  const action = options.action ?? 'mask';
  // Compiled once here, never per request.
  // A link ends before trailing sentence punctuation.
  const link = /\bhttps?:\/\/([a-z0-9.-]*[a-z0-9])(?:[/?#][^\s<>"')\]]*[^\s<>"')\].,;:!?])?/gi;
  const allowed = (host) => allow.some((d) => host === d || host.endsWith(`.${d}`));

  return {
    name: 'link-guard',
    modes: ['pre_call', 'during_call', 'post_call'],
    check(input) {
      let changed = false;
      const texts = input.texts.map((text) =>
        text.replace(link, (url, host) => {
          if (allowed(host.toLowerCase())) return url;
          changed = true;
          return '[LINK]';
        }),
      );
      if (!changed) return { action: 'pass' };
      // Never echo the link back: the reason is shown to the client.
      if (action === 'block') return { action: 'block', reason: 'Links to domains outside the allow list are not permitted.', rule: 'link' };
      return { action: 'mask', texts };
    },
  };
}
