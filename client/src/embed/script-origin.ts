/**
 * The origin that the running script was loaded from: the meshcast server, for
 * `<script src="https://live.example.com/meshcast.js">`. Must be called while the script
 * first runs (`document.currentScript` is set then, also for `async` scripts). Falls back to
 * a `script[src*="meshcast"]` on the page, then to the page's origin.
 */
export function scriptOrigin(doc: Document = document): string {
  const current = doc.currentScript;
  const src =
    current instanceof HTMLScriptElement && current.src
      ? current.src
      : (doc.querySelector<HTMLScriptElement>('script[src*="meshcast"]')?.src ?? '');
  try {
    if (src) return new URL(src, doc.baseURI).origin;
  } catch {
    // fall through to the page's origin
  }
  return doc.defaultView?.location.origin ?? '';
}
