/**
 * Building the page without HTML strings: every piece of text becomes a text node, so nothing an
 * agent wrote (hypotheses, forum posts, analyses) is ever parsed as markup. The dashboard never
 * assigns HTML strings to elements (a test checks).
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Value = string | number | boolean | null | undefined;
export type Attrs = Record<string, Value | ((event: Event) => void)>;

const SVG = 'http://www.w3.org/2000/svg';

/** Links go to this server or to http(s) URLs it gave (the Temporal UI); never `javascript:`. */
const safeHref = (value: string): string => (/^(\/(?!\/)|https?:\/\/)/.test(value) ? value : '#');

function apply(element: Element, attrs: Attrs | null | undefined, children: readonly Child[]): void {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (typeof value === 'function') element.addEventListener(key.replace(/^on/, ''), value);
    else if (value === false || value === null || value === undefined) continue;
    else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, key === 'href' ? safeHref(String(value)) : String(value));
  }
  append(element, children);
}

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

/** An HTML element with attributes (`onclick` and the like become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  apply(element, attrs, children);
  return element;
}

/** An SVG element, the same way. */
export function s(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG, tag) as SVGElement;
  apply(element, attrs, children);
  return element;
}

/** Replaces an element's children. */
export function fill(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  append(element, children);
}

/** The element with this id (the page shell has it). */
export function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element;
}

let toastTimer: number | undefined;
/** A short message at the bottom of the page. */
export function toast(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const element = byId('toast');
  element.className = `toast ${kind}`;
  fill(element, text);
  element.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => {
    element.hidden = true;
  }, 4000);
}
