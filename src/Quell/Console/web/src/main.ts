import "./style.css";
import { auth, currentSession, whenUnauthorized } from "./api";
import { clear, h } from "./dom";
import { signIn } from "./pages/signin";
import { incidentList } from "./pages/incidents";
import { incidentPage } from "./pages/incident";
import { overview } from "./pages/overview";
import { callList, callPage } from "./pages/calls";

type Page = (root: HTMLElement, params: string[], query: URLSearchParams) => Promise<(() => void) | void>;

const routes: [RegExp, Page][] = [
  [/^\/signin$/, signIn],
  [/^\/(?:incidents)?$/, incidentList],
  [/^\/incidents\/([^/]+)$/, incidentPage],
  [/^\/overview$/, overview],
  [/^\/calls$/, callList],
  [/^\/calls\/([^/]+)$/, callPage],
];

const root = document.getElementById("app")!;
let leave: (() => void) | void;

export async function navigate(path: string, replace = false): Promise<void> {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  await render();
}

async function render(): Promise<void> {
  if (leave) leave();
  leave = undefined;
  const url = new URL(location.href);
  if (!auth.key && url.pathname !== "/signin") {
    await navigate(`/signin?next=${encodeURIComponent(url.pathname + url.search)}`, true);
    return;
  }
  await showWho();
  for (const [pattern, page] of routes) {
    const m = pattern.exec(url.pathname);
    if (!m) continue;
    document.body.dataset.page = pattern.source;
    try {
      leave = await page(root, m.slice(1).map(decodeURIComponent), url.searchParams);
    } catch (e) {
      clear(root, h("p", { class: "error" }, `Could not load this page: ${(e as Error).message}`));
    }
    return;
  }
  clear(root, h("p", { class: "error" }, "No such page."), h("a", { href: "/incidents" }, "Incidents"));
}

async function showWho(): Promise<void> {
  const who = document.getElementById("who")!;
  if (!auth.key) {
    clear(who);
    return;
  }
  try {
    const s = await currentSession();
    clear(
      who,
      h("span", { class: "principal", title: `scopes: ${s.scopes.join(", ")}` }, s.principal),
      h("button", { class: "link", type: "button", onclick: () => { auth.clear(); void navigate("/signin"); } }, "Sign out"),
    );
  } catch {
    clear(who);
  }
}

whenUnauthorized(() => {
  if (location.pathname === "/signin") return;
  auth.clear();
  void navigate(`/signin?next=${encodeURIComponent(location.pathname)}&expired=1`, true);
});

document.addEventListener("click", (e) => {
  const a = (e.target as Element).closest("a");
  if (!a || a.target || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  const href = a.getAttribute("href");
  if (!href || !href.startsWith("/") || href.startsWith("/api/")) return;
  e.preventDefault();
  void navigate(href);
});

window.addEventListener("popstate", () => void render());
void render();
