import { ApiError, auth, currentSession } from "../api";
import { clear, h } from "../dom";
import { navigate } from "../main";

// Sign-in with an API key; the key is kept in this tab's sessionStorage and sent in a header.
export async function signIn(root: HTMLElement, _params: string[], query: URLSearchParams): Promise<void> {
  const input = h("input", { type: "password", name: "key", id: "api-key", autocomplete: "off", spellcheck: "false", placeholder: "qk_…", required: true });
  const message = h("p", { class: "error", role: "alert" });
  if (query.get("expired")) message.textContent = "The key was refused; sign in again.";
  const form = h(
    "form",
    { class: "card signin", onsubmit: (e: Event) => void submit(e) },
    h("h1", {}, "Sign in to Quell"),
    h("label", { for: "api-key" }, "API key"),
    input,
    h("p", { class: "hint" }, "Create one with ", h("code", {}, "quell keys create"), ". It stays in this browser tab only and is sent as an Authorization header."),
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    message,
  );
  async function submit(e: Event) {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    auth.clear();
    auth.set(key);
    try {
      await currentSession();
      const next = query.get("next");
      await navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/incidents", true);
    } catch (err) {
      auth.clear();
      message.textContent = err instanceof ApiError && err.status === 401 ? "That key is not valid." : `Sign-in failed: ${(err as Error).message}`;
    }
  }
  clear(root, form);
  input.focus();
}
