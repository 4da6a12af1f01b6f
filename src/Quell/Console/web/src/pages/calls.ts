import { enc, get, q } from "../api";
import { badge, clear, fmt, h } from "../dom";
import type { Call } from "../types";
import { callCard } from "./incident-panels";

const FILTERS = ["feature", "tenant", "model", "user", "prompt_version", "trace_id", "status", "from", "to"] as const;

// The calls explorer: the API's filters, plus "only calls with findings" applied to the page of results.
export async function callList(root: HTMLElement, _p: string[], query: URLSearchParams): Promise<void> {
  const inputs = FILTERS.map((f) =>
    f === "status"
      ? h("select", { name: f, "aria-label": f }, ...["", "ok", "error"].map((s) => h("option", { value: s, selected: query.get(f) === s }, s || "any status")))
      : h("input", { type: "text", name: f, placeholder: f.replace("_", " ") + (f === "from" || f === "to" ? " (RFC 3339)" : ""), value: query.get(f) ?? "", "aria-label": f }),
  );
  const findings = h("input", { type: "checkbox", name: "findings", checked: query.get("findings") === "1" });
  const body = h("tbody");
  const note = h("p", { class: "status" });
  const form = h("form", { class: "filters", onsubmit: (e: Event) => { e.preventDefault(); void search(); } }, ...inputs, h("label", {}, findings, " with findings only"), h("button", { type: "submit", class: "primary" }, "Search"));
  clear(root, h("div", { class: "toolbar" }, h("h1", {}, "Calls")), form, note,
    h("table", { class: "calls" }, h("thead", {}, h("tr", {}, ...["Time", "Call", "Feature", "Tenant", "Model", "Latency", "Tokens", "Cost", "Status", "Findings"].map((t) => h("th", {}, t)))), body));

  async function search() {
    const params: Record<string, string> = {};
    inputs.forEach((el, i) => { if (el.value.trim()) params[FILTERS[i]] = el.value.trim(); });
    history.replaceState(null, "", `/calls${q({ ...params, findings: findings.checked ? "1" : null })}`);
    try {
      let calls = await get<Call[]>(`/api/v1/calls${q({ ...params, limit: findings.checked ? 2000 : 200 })}`);
      if (findings.checked) calls = calls.filter((c) => (c.findings?.length ?? 0) > 0).slice(0, 200);
      clear(note, `${calls.length} calls`);
      clear(body, ...calls.map((c) => h("tr", {},
        h("td", {}, fmt.time(c.timestamp)),
        h("td", {}, h("a", { href: `/calls/${enc(c.id)}` }, c.id)),
        h("td", {}, c.feature ?? "—"), h("td", {}, c.tenant ?? "—"), h("td", {}, c.model ?? "—"),
        h("td", {}, fmt.ms(c.latency_ms)), h("td", {}, `${c.input_tokens}/${c.output_tokens}`), h("td", {}, fmt.usd(c.cost_usd)),
        h("td", {}, badge(c.status, c.status === "error" ? "bad" : ""), c.error_type ? ` ${c.error_type}` : ""),
        h("td", {}, (c.findings ?? []).map((f) => `${f.kind}/${f.entity}`).join(", ")))));
    } catch (e) {
      clear(note, h("span", { class: "error" }, (e as Error).message));
    }
  }
  await search();
}

// One call with its trace (every call sharing its trace id, as a waterfall) and its findings marked in the text.
export async function callPage(root: HTMLElement, [id]: string[]): Promise<void> {
  const c = await get<Call>(`/api/v1/calls/${enc(id)}`);
  const trace = c.trace_id ? await get<Call[]>(`/api/v1/calls${q({ trace_id: c.trace_id, limit: 500 })}`) : [c];
  trace.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  const t0 = new Date(trace[0].timestamp).getTime();
  const t1 = Math.max(...trace.map((x) => new Date(x.timestamp).getTime() + (x.latency_ms ?? 0)));
  const span = Math.max(1, t1 - t0);
  const facts: [string, string | number | undefined][] = [
    ["Time", fmt.time(c.timestamp)], ["Feature", c.feature], ["Operation", c.operation], ["Tenant", c.tenant], ["User", c.user],
    ["Provider", c.provider], ["Model", `${c.model ?? "—"} ${c.model_version ?? ""}`], ["Prompt version", c.prompt_version], ["Region", c.region],
    ["Latency", fmt.ms(c.latency_ms)], ["Time to first token", fmt.ms(c.ttft_ms)], ["Tokens in/out", `${c.input_tokens} / ${c.output_tokens}`],
    ["Cost", fmt.usd(c.cost_usd)], ["Status", `${c.status}${c.error_type ? ` (${c.error_type})` : ""}`], ["Trace", c.trace_id], ["Injection score", c.injection_score?.toFixed(2)],
  ];
  clear(root,
    h("div", { class: "toolbar" }, h("h1", {}, `Call ${c.id}`)),
    h("section", { class: "card" }, h("dl", { class: "facts wide" }, ...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v === undefined || v === null || v === "" ? "—" : String(v))]))),
    h("section", { class: "card", id: "trace" }, h("h2", {}, `Trace (${trace.length} calls)`),
      h("ol", { class: "waterfall" }, ...trace.map((x) => {
        const bar = h("span", { class: `wf-bar ${x.status === "error" ? "bad" : ""}` });
        bar.style.marginLeft = `${((new Date(x.timestamp).getTime() - t0) / span) * 100}%`;
        bar.style.width = `${Math.max(0.5, ((x.latency_ms ?? 0) / span) * 100)}%`;
        return h("li", { class: x.id === c.id ? "me" : "" }, h("a", { href: `/calls/${enc(x.id)}` }, `${x.operation ?? "call"} ${x.model ?? ""}`), h("span", { class: "wf-track" }, bar), h("span", { class: "sub" }, fmt.ms(x.latency_ms)));
      }))),
    h("section", { class: "card", id: "content" }, h("h2", {}, "Content and findings"), callCard(c),
      c.system_prompt !== undefined ? h("details", {}, h("summary", {}, "System prompt"), h("pre", { class: "content" }, c.system_prompt)) : null,
      c.retrieved?.length ? h("p", { class: "sub" }, "Retrieved: ", c.retrieved.map((r) => `${r.id}${r.tenant ? ` (${r.tenant})` : ""}`).join(", ")) : null,
      c.tool_calls?.length ? h("p", { class: "sub" }, "Tool calls: ", c.tool_calls.map((t) => t.name).join(", ")) : null));
}
