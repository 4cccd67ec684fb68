/**
 * The page's element with this id, checked to be a `type` (a page built without it fails
 * loudly, not later with a null).
 *
 * @example const video = pageElement('video', HTMLVideoElement);
 */
export function pageElement<T extends HTMLElement>(id: string, type: new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`page is missing #${id}`);
  return node;
}
