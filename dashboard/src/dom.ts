// DOM helpers. Data only ever reaches the page through textContent and attributes, never
// innerHTML: profile traits and dead-letter reasons are whatever a client sent.

type Child = Node | string | null | undefined;

export interface ElementOptions {
  class?: string;
  text?: string;
  /** Attributes; `data-*` included. */
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.class !== undefined) element.className = options.class;
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {}))
    element.setAttribute(name, value);
  for (const child of children)
    if (child !== null && child !== undefined)
      element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return element;
}

/** Briefly marks an element whose value just changed (Web Animations: no inline styles). */
export function flash(element: Element): void {
  element.animate(
    [{ backgroundColor: 'rgba(255, 196, 0, 0.55)' }, { backgroundColor: 'rgba(255, 196, 0, 0)' }],
    { duration: 900, easing: 'ease-out' },
  );
}

/** Sets the text of an element, highlighting it when the text differs from what it showed. */
export function setText(element: Element, text: string): void {
  if (element.textContent === text) return;
  const hadValue = element.textContent !== '';
  element.textContent = text;
  if (hadValue) flash(element);
}

/** The element for `field` inside `root` (a `[data-field]`), created by `make` on first use. */
export function field(root: Element, name: string, make: () => HTMLElement): HTMLElement {
  const existing = root.querySelector<HTMLElement>(`[data-field="${CSS.escape(name)}"]`);
  if (existing !== null) return existing;
  const created = make();
  created.dataset['field'] = name;
  return created;
}

/** A panel of the page: its body and the line that shows its error. */
export interface Panel {
  readonly root: HTMLElement;
  readonly body: HTMLElement;
  /** Shows a message, or clears it with undefined. */
  error(message: string | undefined): void;
}

export function panel(id: string): Panel {
  const root = document.getElementById(id);
  const body = root?.querySelector<HTMLElement>('[data-role="body"]');
  const errorLine = root?.querySelector<HTMLElement>('[data-role="error"]');
  if (!root || !body || !errorLine) throw new Error(`the page has no panel #${id}`);
  return {
    root,
    body,
    error(message) {
      errorLine.textContent = message ?? '';
      root.dataset['state'] = message === undefined ? 'ok' : 'error';
    },
  };
}

export function required<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

export const formatNumber = (value: number): string =>
  Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 1 });

export const formatTime = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleTimeString('en-GB', { hour12: false }) : '—';
