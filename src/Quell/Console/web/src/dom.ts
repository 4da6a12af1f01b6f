// Small DOM builder: text always goes in as text nodes, never as HTML.
export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function section(title: string, id: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "card", id }, h("h2", {}, title), ...children);
}

export const fmt = {
  time(iso?: string | number | null): string {
    if (iso === null || iso === undefined) return "—";
    const d = new Date(iso);
    return d.toISOString().replace("T", " ").slice(0, 16) + "Z";
  },
  age(iso: string, now = Date.now()): string {
    const s = Math.max(0, (now - new Date(iso).getTime()) / 1000);
    if (s < 90) return `${Math.round(s)}s`;
    if (s < 5400) return `${Math.round(s / 60)}m`;
    if (s < 172800) return `${Math.round(s / 3600)}h`;
    return `${Math.round(s / 86400)}d`;
  },
  pct(x?: number | null, digits = 1): string {
    return x === null || x === undefined || Number.isNaN(x) ? "—" : `${(x * 100).toFixed(digits)} %`;
  },
  num(x?: number | null, digits = 0): string {
    return x === null || x === undefined || Number.isNaN(x) ? "—" : x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  },
  usd(x?: number | null): string {
    if (x === null || x === undefined) return "—";
    return x < 0.1 ? `$${x.toFixed(4)}` : `$${x.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;
  },
  ms(x?: number | null): string {
    return x === null || x === undefined ? "—" : x >= 10000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`;
  },
};

export function badge(text: string, kind = ""): HTMLElement {
  return h("span", { class: `badge ${kind}`.trim() }, text);
}

export function severityBadge(sev: string): HTMLElement {
  const s = sev.toUpperCase();
  return h("span", { class: `badge sev sev-${s.toLowerCase()}`, title: `severity ${s}` }, s);
}
