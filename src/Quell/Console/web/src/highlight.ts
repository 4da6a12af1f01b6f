import { h } from "./dom";
import type { Finding } from "./types";

// Text with the scanner's findings marked; the text is inserted as text nodes, the marks as elements.
export function highlighted(text: string, findings: Finding[]): HTMLElement {
  const pre = h("pre", { class: "content" });
  const spans = findings
    .filter((f) => f.start >= 0 && f.end > f.start && f.start < text.length)
    .sort((a, b) => a.start - b.start);
  let at = 0;
  for (const f of spans) {
    if (f.start < at) continue;
    pre.append(text.slice(at, f.start));
    const end = Math.min(f.end, text.length);
    pre.append(h("mark", { class: `finding finding-${f.kind}`, title: `${f.kind} ${f.entity} (score ${f.score.toFixed(2)})` }, text.slice(f.start, end)));
    at = end;
  }
  pre.append(text.slice(at));
  return pre;
}
