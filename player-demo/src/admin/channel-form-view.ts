import { el } from '../api.js';
import { AdminApiError, type AdminChannel } from './admin-api.js';
import { channelRoute, type AdminContext, type View } from './view.js';

type FieldName = keyof AdminChannel;

const BLANK: AdminChannel = {
  id: '',
  name: '',
  sourceUrl: '',
  enabled: true,
  p2pEnabled: true,
  maxNeighbours: 8,
  allowedOrigins: [],
};

/**
 * Create (`id` undefined) or edit a channel. The server validates; its messages appear under
 * the fields they name, anything else in the form's error box.
 */
export function mountChannelFormView(root: HTMLElement, ctx: AdminContext, id?: string): View {
  const editing = id !== undefined;
  let destroyed = false;
  const form = el('form', undefined, { className: 'card channel-form', id: 'channel-form' });
  form.noValidate = true; // the server's messages are the ones shown
  const formError = el('div', undefined, { className: 'form-error', id: 'form-error' });
  formError.setAttribute('role', 'alert');
  formError.hidden = true;

  const inputs = {
    id: el('input', undefined, {
      type: 'text',
      name: 'id',
      autocomplete: 'off',
      spellcheck: false,
    }),
    name: el('input', undefined, { type: 'text', name: 'name', autocomplete: 'off' }),
    sourceUrl: el('input', undefined, {
      type: 'text',
      name: 'sourceUrl',
      placeholder: '/live/demo/master.m3u8 or https://cdn.example/live/master.m3u8',
      spellcheck: false,
    }),
    enabled: el('input', undefined, { type: 'checkbox', name: 'enabled' }),
    p2pEnabled: el('input', undefined, { type: 'checkbox', name: 'p2pEnabled' }),
    maxNeighbours: el('input', undefined, { type: 'number', name: 'maxNeighbours', step: '1' }),
    allowedOrigins: el('textarea', undefined, {
      name: 'allowedOrigins',
      rows: 3,
      placeholder: 'https://site.example',
      spellcheck: false,
    }),
  } satisfies Record<FieldName, HTMLInputElement | HTMLTextAreaElement>;
  const errors = new Map<FieldName, HTMLElement>();

  const field = (name: FieldName, label: string, hint?: string): HTMLElement => {
    const input = inputs[name];
    input.id = `field-${name}`;
    const box = el('div', undefined, { className: `field field-${name}` });
    const error = el('p', undefined, { className: 'field-error', id: `error-${name}` });
    error.hidden = true;
    input.setAttribute('aria-describedby', error.id);
    errors.set(name, error);
    if (input instanceof HTMLInputElement && input.type === 'checkbox') {
      const wrap = el('label', undefined, { className: 'check' });
      wrap.append(input, ` ${label}`);
      box.append(wrap);
    } else {
      box.append(el('label', label, { htmlFor: input.id }), input);
    }
    if (hint) box.append(el('p', hint, { className: 'hint' }));
    box.append(error);
    return box;
  };

  const submit = el('button', editing ? 'Save' : 'Create channel', {
    type: 'submit',
    className: 'primary',
  });
  const actions = el('div', undefined, { className: 'actions' });
  actions.append(submit, el('a', 'Cancel', { href: editing ? channelRoute(id) : '#' }));
  form.append(
    el('h1', editing ? 'Edit channel' : 'New channel'),
    formError,
    editing
      ? el('p', `id: ${id}`, { className: 'muted', id: 'channel-id' })
      : field('id', 'Id', 'a lowercase slug (a-z, 0-9, -): the channel’s address /watch/<id>'),
    field('name', 'Name'),
    field('sourceUrl', 'HLS source URL', 'the multivariant playlist; a path is on this server'),
    field('enabled', 'On air (viewers may watch)'),
    field('p2pEnabled', 'P2P (viewers share segments)'),
    field('maxNeighbours', 'Max neighbours', 'peers a viewer is given, 1–64'),
    field('allowedOrigins', 'Allowed embed origins', 'one per line; none means any site'),
    actions,
  );

  const fill = (c: AdminChannel): void => {
    inputs.id.value = c.id;
    inputs.name.value = c.name;
    inputs.sourceUrl.value = c.sourceUrl;
    inputs.enabled.checked = c.enabled;
    inputs.p2pEnabled.checked = c.p2pEnabled;
    inputs.maxNeighbours.value = String(c.maxNeighbours);
    inputs.allowedOrigins.value = c.allowedOrigins.join('\n');
  };

  const read = (): AdminChannel => {
    const max = inputs.maxNeighbours.value.trim();
    return {
      id: inputs.id.value.trim(),
      name: inputs.name.value,
      sourceUrl: inputs.sourceUrl.value.trim(),
      enabled: inputs.enabled.checked,
      p2pEnabled: inputs.p2pEnabled.checked,
      // Sent as typed when it is no number: the server says what it expects.
      maxNeighbours: (max !== '' && Number.isFinite(Number(max)) ? Number(max) : max) as number,
      allowedOrigins: inputs.allowedOrigins.value
        .split('\n')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    };
  };

  const clearErrors = (): void => {
    formError.hidden = true;
    for (const e of errors.values()) e.hidden = true;
    form.querySelectorAll('.invalid').forEach((n) => n.classList.remove('invalid'));
  };

  const showIssues = (err: AdminApiError): void => {
    const general: string[] = [];
    for (const issue of err.issues) {
      const [name, index] = issue.path.split('.') as [string, string | undefined];
      const error = errors.get(name as FieldName);
      if (!error) {
        general.push(`${issue.path}: ${issue.message}`);
        continue;
      }
      const text =
        index === undefined ? issue.message : `line ${Number(index) + 1}: ${issue.message}`;
      error.textContent = error.hidden ? text : `${error.textContent}; ${text}`;
      error.hidden = false;
      inputs[name as FieldName].classList.add('invalid');
    }
    const summary =
      err.issues.length > 0
        ? 'The server refused the channel: see the marked fields.'
        : err.message;
    formError.replaceChildren(el('p', summary), ...general.map((g) => el('p', g)));
    formError.hidden = false;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors();
    submit.disabled = true;
    const { id: newId, ...patch } = read();
    const save = editing
      ? ctx.api.updateChannel(id, patch)
      : ctx.api.createChannel({ id: newId, ...patch });
    save
      .then((saved) => {
        if (destroyed) return;
        ctx.go('#', `${editing ? 'Saved' : 'Created'} “${saved.name}”.`);
      })
      .catch((err: unknown) => {
        if (destroyed) return;
        if (err instanceof AdminApiError && err.status === 409) {
          showIssues(new AdminApiError(err.message, 409, [{ path: 'id', message: err.message }]));
        } else if (err instanceof AdminApiError) {
          showIssues(err);
        } else {
          showIssues(new AdminApiError(String(err), 0));
        }
      })
      .finally(() => {
        submit.disabled = false;
      });
  });

  if (editing) {
    form.hidden = true;
    root.replaceChildren(el('p', 'Loading the channel…', { className: 'muted' }), form);
    ctx.api
      .getChannel(id)
      .then((c) => {
        if (destroyed) return;
        fill(c);
        form.hidden = false;
        form.previousElementSibling?.remove();
        inputs.name.focus();
      })
      .catch((err: unknown) => {
        if (destroyed) return;
        const text =
          err instanceof AdminApiError && err.status === 404 ? 'no such channel' : String(err);
        root.replaceChildren(el('p', `Cannot edit “${id}”: ${text}`, { className: 'message' }));
      });
  } else {
    fill(BLANK);
    root.replaceChildren(form);
    inputs.id.focus();
  }
  return {
    destroy() {
      destroyed = true;
    },
  };
}
