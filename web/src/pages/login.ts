import { api, HttpError } from '../api.js';
import { fill, h } from '../dom.js';

/**
 * The login page: an operator token is sent once and exchanged for an HttpOnly session cookie (a
 * session the server keeps and ends at logout); the page keeps no credential of its own.
 */
export function loginPage(root: HTMLElement): void {
  const next = new URLSearchParams(location.search).get('next');
  const target = next?.startsWith('/ui/') ? next : '/ui/';
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    placeholder: 'operator token',
  });
  const form = h(
    'form',
    {
      class: 'card login',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        error.hidden = true;
        try {
          await api('/v1/session', { method: 'POST', body: { token: input.value.trim() } });
          location.assign(target);
        } catch (e) {
          fill(
            error,
            e instanceof HttpError && e.status === 401 ? 'That is not the operator token.' : String(e),
          );
          error.hidden = false;
        }
      },
    },
    h('h1', null, 'Log in'),
    h(
      'p',
      { class: 'muted' },
      'Paste your operator token (from aar operator mint, or AAR_OPERATOR_TOKEN: on the dev stack .aar-state/secrets/operator-token). Logging out ends the session on the server.',
    ),
    h('label', { for: 'token' }, 'Operator token'),
    input,
    h('button', { type: 'submit' }, 'Log in'),
    error,
  );
  fill(root, form);
  input.focus();
}
