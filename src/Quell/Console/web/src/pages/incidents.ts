import { get, q } from "../api";
import { badge, clear, fmt, h, severityBadge } from "../dom";
import { subscribe } from "../events";
import type { Incident } from "../types";
import { navigate } from "../main";

const OPEN = ["detected", "acknowledged", "mitigating", "investigating", "fixing"];
const STATES = ["detected", "acknowledged", "mitigating", "investigating", "fixing", "monitoring", "postmortem", "closed"];

function who(i: Incident): string {
  const names = [i.commander, i.assignee].filter((x): x is string => !!x);
  if (names.length) return [...new Set(names)].join(", ");
  const last = i.pages[i.pages.length - 1];
  return last ? `${last.user} (paged)` : "—";
}

// The incident list: filters in the address bar (never the key), live updates over the event stream.
export async function incidentList(root: HTMLElement, _p: string[], query: URLSearchParams): Promise<() => void> {
  const filter = {
    state: query.get("state") ?? "open",
    severity: query.get("severity") ?? "",
    category: query.get("category") ?? "",
    feature: query.get("feature") ?? "",
    text: query.get("q") ?? "",
  };
  const select = (name: keyof typeof filter, label: string, options: string[]) =>
    h("label", {}, label, h("select", { name, onchange: (e: Event) => update(name, (e.target as HTMLSelectElement).value) }, ...options.map((o) => h("option", { value: o, selected: filter[name] === o }, o || "any"))));
  const live = h("span", { class: "live", title: "live updates" }, "connecting…");
  const body = h("tbody");
  const count = h("span", { class: "count" });
  const table = h("table", { class: "incidents" }, h("thead", {}, h("tr", {}, ...["Sev", "Incident", "State", "Category", "Feature", "Age", "On it"].map((t) => h("th", {}, t)))), body);
  const text = h("input", { type: "search", name: "q", placeholder: "search titles", value: filter.text, oninput: (e: Event) => update("text", (e.target as HTMLInputElement).value, false) });
  const feature = h("input", { type: "text", name: "feature", placeholder: "feature", value: filter.feature, onchange: (e: Event) => update("feature", (e.target as HTMLInputElement).value) });
  clear(
    root,
    h("div", { class: "toolbar" }, h("h1", {}, "Incidents"), count, live),
    h("form", { class: "filters", onsubmit: (e: Event) => e.preventDefault() }, select("state", "State", ["open", "all", ...STATES]), select("severity", "Severity", ["", "S1", "S2", "S3"]), select("category", "Category", ["", "quality", "latency", "cost", "data", "abuse", "infrastructure"]), feature, text),
    table,
  );

  let incidents: Incident[] = [];
  function update(name: keyof typeof filter, value: string, reload = true) {
    filter[name] = value;
    const params = q({ state: filter.state === "open" ? null : filter.state, severity: filter.severity, category: filter.category, feature: filter.feature, q: filter.text });
    history.replaceState(null, "", `/incidents${params}`);
    if (reload) void load();
    else draw();
  }

  async function load() {
    const state = filter.state === "open" || filter.state === "all" ? null : filter.state;
    incidents = await get<Incident[]>(`/api/v1/incidents${q({ state, severity: filter.severity, category: filter.category, limit: 500 })}`);
    draw();
  }

  function draw() {
    const now = Date.now();
    const text = filter.text.toLowerCase();
    const shown = incidents
      .filter((i) => filter.state !== "open" || OPEN.includes(i.state.toLowerCase()))
      .filter((i) => !filter.feature || i.feature === filter.feature)
      .filter((i) => !text || i.title.toLowerCase().includes(text) || i.id.includes(text));
    count.textContent = `${shown.length} shown`;
    clear(
      body,
      shown.length === 0 ? h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No incidents match.")) : null,
      ...shown.map((i) =>
        h(
          "tr",
          { "data-id": i.id, class: `state-${i.state.toLowerCase()}`, onclick: (e: Event) => { if (!(e.target as Element).closest("a")) void navigate(`/incidents/${i.id}`); } },
          h("td", {}, severityBadge(i.severity)),
          h("td", { class: "title" }, h("a", { href: `/incidents/${encodeURIComponent(i.id)}` }, i.title.length > 140 ? i.title.slice(0, 140) + "…" : i.title), h("div", { class: "sub" }, i.id)),
          h("td", {}, badge(i.state.toLowerCase(), `state ${i.state.toLowerCase()}`)),
          h("td", {}, i.category),
          h("td", {}, i.feature ?? "—"),
          h("td", { title: fmt.time(i.detected_at) }, fmt.age(i.detected_at, now)),
          h("td", {}, who(i)),
        ),
      ),
    );
  }

  await load();
  let pending: number | undefined;
  const stop = subscribe(
    () => {
      clearTimeout(pending);
      pending = window.setTimeout(() => void load(), 250);
    },
    (on) => {
      live.textContent = on ? "● live" : "○ reconnecting";
      live.classList.toggle("on", on);
    },
  );
  return () => {
    stop();
    clearTimeout(pending);
  };
}
