// The watch page's "Embed" section: copy-paste snippets for the channel on this server.
import { el } from './api.js';
import './embed-snippet.css';

/** The two ways to embed `channel` from the server at `origin`. */
export function embedSnippets(origin: string, channel: string): { script: string; iframe: string } {
  const id = channel.replace(/[^a-z0-9-]/g, '');
  return {
    script:
      `<script src="${origin}/meshcast.js" async></script>\n` +
      `<meshcast-player channel="${id}" autoplay muted></meshcast-player>`,
    iframe:
      `<iframe src="${origin}/embed/${id}" width="640" height="360" ` +
      `allow="autoplay; fullscreen" allowfullscreen style="border:0"></iframe>`,
  };
}

/** Fills `#embed` (a <details>) with the snippets and a copy button for each. */
export function showEmbedSnippets(channel: string): void {
  const box = document.getElementById('embed');
  if (!box) return;
  const { script, iframe } = embedSnippets(location.origin, channel);
  const block = (label: string, text: string): HTMLElement[] => {
    const code = el('pre', undefined, { className: 'snippet' });
    code.append(el('code', text));
    const copy = el('button', 'Copy', { type: 'button', className: 'copy' });
    copy.addEventListener('click', () => {
      void navigator.clipboard.writeText(text).then(() => (copy.textContent = 'Copied'));
    });
    return [el('p', label), code, copy];
  };
  box.replaceChildren(
    el('summary', 'Embed this channel'),
    ...block('Paste into any page (the player talks to this server):', script),
    ...block('Or isolated in an iframe:', iframe),
  );
  box.hidden = false;
}
