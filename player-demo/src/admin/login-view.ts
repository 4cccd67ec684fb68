import { el } from '../api.js';
import { AdminApi, AdminApiError } from './admin-api.js';
import type { View } from './view.js';

/**
 * The token form. The token is checked with a call that changes nothing before
 * `onLogin(token)`; a wrong one is said so and kept out of storage.
 */
export function mountLoginView(
  root: HTMLElement,
  onLogin: (token: string) => void,
  reason?: string,
): View {
  const input = el('input', undefined, {
    type: 'password',
    id: 'token',
    name: 'token',
    required: true,
    autocomplete: 'current-password',
    spellcheck: false,
  });
  const submit = el('button', 'Log in', { type: 'submit', className: 'primary' });
  const error = el('p', reason ?? '', { className: 'form-error', id: 'login-error' });
  error.setAttribute('role', 'alert');
  error.hidden = reason === undefined;
  const form = el('form', undefined, { className: 'card login', id: 'login' });
  const label = el('label', 'Admin token', { htmlFor: 'token' });
  form.append(
    el('h1', 'meshcast admin'),
    el('p', 'Enter the ADMIN_TOKEN of this server (or the one it printed at start).', {
      className: 'muted',
    }),
    label,
    input,
    error,
    el('div', undefined, { className: 'actions' }),
  );
  form.lastElementChild?.append(submit);

  let destroyed = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      showError('Enter the admin token.');
      return;
    }
    submit.disabled = true;
    new AdminApi(token)
      .checkToken()
      .then((ok) => {
        if (destroyed) return;
        if (ok) onLogin(token);
        else showError('Wrong admin token: the server refused it.');
      })
      .catch((err: unknown) => {
        if (!destroyed) {
          showError(err instanceof AdminApiError ? err.message : `Login failed: ${String(err)}`);
        }
      })
      .finally(() => {
        submit.disabled = false;
      });
  });

  function showError(text: string): void {
    error.textContent = text;
    error.hidden = false;
    input.select();
  }

  root.replaceChildren(form);
  input.focus();
  return {
    destroy() {
      destroyed = true;
    },
  };
}
