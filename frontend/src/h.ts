// h builds DOM elements without innerHTML: every string child becomes a text node, so data from
// Go (names, messages) can never be interpreted as markup.

export type Child = Node | string | number | null | undefined | false | Child[];

export type Props = {
  [key: string]: unknown;
  class?: string;
  testid?: string;
  on?: { [event: string]: (ev: any) => void };
};

/** h creates an element. Props: class, testid (→ data-testid), on: {event: fn}, and any
 *  attribute or DOM property (value, checked, disabled, type, …). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "on") {
        for (const [ev, fn] of Object.entries(v as Record<string, (e: Event) => void>)) {
          el.addEventListener(ev, fn);
        }
      } else if (k === "class") {
        el.className = String(v);
      } else if (k === "testid") {
        el.setAttribute("data-testid", String(v));
      } else if (k === "value" || k === "checked" || k === "selected" || k === "disabled" || k === "multiple") {
        (el as any)[k] = v;
      } else if (v === true) {
        el.setAttribute(k, "");
      } else {
        el.setAttribute(k, String(v));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** clear removes every child of el and appends children. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}
