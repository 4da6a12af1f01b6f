import { marked } from "marked";
import DOMPurify from "dompurify";

// Markdown for previews: rendered by marked, then sanitised by DOMPurify before it touches the page.
export function renderMarkdown(target: HTMLElement, text: string): void {
  const html = marked.parse(text, { async: false, gfm: true, breaks: false }) as string;
  const clean = DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ["style", "img", "form", "input"], FORBID_ATTR: ["style"] });
  target.innerHTML = clean;
}
