import { actor, can, enc, get, post, put, q } from "../api";
import { badge, clear, fmt, h } from "../dom";
import { highlighted } from "../highlight";
import { renderMarkdown } from "../markdown";
import type { Alert, Call, Incident, Mitigation, Postmortem } from "../types";
import { flash } from "./incident";

interface Candidate {
  kind: string;
  sentence: string;
  score: number;
  change_id?: string;
  dimension?: string;
  value?: string;
}

export async function correlationPanel(box: HTMLElement, incident: Incident, alerts: (Alert | null)[]): Promise<void> {
  const alert = alerts.find((a) => !!a);
  if (!alert) {
    clear(box, h("p", { class: "empty" }, "Nothing to correlate: no detector alert."));
    return;
  }
  try {
    const ranked = await get<Candidate[]>(`/api/v1/investigations/correlate${q({ alert_id: alert.id, incident_id: incident.id })}`);
    clear(box, ranked.length === 0 ? h("p", { class: "empty" }, "No change or dimension stands out.") : h("ol", { class: "ranking" },
      ...ranked.slice(0, 8).map((c) => h("li", {}, h("span", { class: "score" }, c.score.toFixed(2)), " ", badge(c.kind), " ", c.sentence))));
  } catch (e) {
    flash(box, e);
  }
}

function contentBlock(label: string, text: string | undefined, findings: Finding[], field: string): HTMLElement {
  const mine = findings.filter((f) => f.field === field);
  if (text === undefined || text === null) {
    const why = can("read:content") ? "not stored for this call" : "hidden: your key lacks the read:content scope";
    return h("div", { class: "masked" }, h("strong", {}, `${label}: `), why,
      mine.length ? h("ul", {}, ...mine.map((f) => h("li", {}, `${f.kind} ${f.entity}: ${f.evidence}`))) : null);
  }
  return h("div", {}, h("strong", {}, `${label}`), highlighted(text, mine));
}
type Finding = NonNullable<Call["findings"]>[number];

export function callCard(c: Call): HTMLElement {
  const findings = c.findings ?? [];
  return h("article", { class: "call", "data-call": c.id },
    h("header", {}, h("a", { href: `/calls/${enc(c.id)}` }, c.id), ` · ${fmt.time(c.timestamp)} · ${c.tenant ?? "—"} · ${c.model ?? "—"} · ${fmt.ms(c.latency_ms)} · ${fmt.usd(c.cost_usd)} · `, badge(c.status, c.status === "error" ? "bad" : ""), c.error_type ? ` ${c.error_type}` : ""),
    findings.length ? h("p", { class: "sub" }, "Findings: ", findings.map((f) => `${f.kind}/${f.entity} in ${f.field}`).join(", ")) : null,
    contentBlock("Input", c.input, findings, "input"),
    contentBlock("Output", c.output, findings, "output"));
}

export async function examplesPanel(box: HTMLElement, incident: Incident): Promise<void> {
  const ids = incident.example_call_ids.slice(0, 5);
  if (ids.length === 0) {
    clear(box, h("p", { class: "empty" }, "No example calls."));
    return;
  }
  const calls = (await Promise.all(ids.map((id) => get<Call>(`/api/v1/calls/${enc(id)}`).catch(() => null)))).filter((c): c is Call => !!c);
  // Replays go to targets named in quell.yaml (evals.targets); an ad-hoc URL only works for hosts the server allows.
  const named = await get<{ targets: { name: string; kind: string; model?: string | null }[] }>("/api/v1/evals/targets").then((r) => r.targets).catch(() => []);
  const choice = h("select", { name: "target", "aria-label": "replay target" },
    ...named.map((t) => h("option", { value: t.name }, `${t.name} (${t.kind}${t.model ? `, ${t.model}` : ""})`)),
    h("option", { value: "" }, "ad-hoc URL…"));
  const url = h("input", { type: "url", name: "target_url", placeholder: "https://app.internal/v1 (host must be allowed)", "aria-label": "ad-hoc replay URL", hidden: named.length > 0 });
  const kind = h("select", { name: "target_kind", "aria-label": "target kind", hidden: named.length > 0 }, h("option", { value: "openai" }, "OpenAI-compatible"), h("option", { value: "template" }, "application endpoint"));
  choice.addEventListener("change", () => {
    const adHoc = (choice as HTMLSelectElement).value === "";
    url.hidden = !adHoc;
    kind.hidden = !adHoc;
  });
  const out = h("div", { class: "replay-result" });
  const replay = async () => {
    clear(out, "replaying…");
    try {
      const name = (choice as HTMLSelectElement).value;
      const body = name !== ""
        ? { call_ids: ids, incident_id: incident.id, target: name }
        : { call_ids: ids, incident_id: incident.id, target: (url as HTMLInputElement).value.trim(), target_kind: (kind as HTMLSelectElement).value };
      const report = await post<Record<string, unknown>>("/api/v1/replay", body);
      clear(out, h("pre", { class: "json" }, JSON.stringify(report, null, 2).slice(0, 4000)));
    } catch (e) {
      flash(out, e);
    }
  };
  clear(box,
    ...calls.map(callCard),
    h("form", { class: "inline-form", onsubmit: (e: Event) => { e.preventDefault(); void replay(); } }, choice, url, kind, h("button", { type: "submit", disabled: !can("respond") && !can("mitigate") && !can("read:content") }, `Replay ${ids.length} calls`)),
    out);
}

const KINDS: Record<string, object> = {
  fallback: { fallback_model: "gpt-4o" },
  rollback: { prompt_version: "" },
  disable: {},
  rate_limit: { per: "tenant", rate_per_second: 1, burst: 5 },
  block: { pattern: "" },
  budget_cap: { daily_usd: 100 },
  loop_cap: { max_calls_per_trace: 10 },
};

export async function mitigationsPanel(box: HTMLElement, incident: Incident, reload: () => Promise<void>): Promise<void> {
  let list: Mitigation[] = [];
  try {
    const open = await get<{ mitigations: Mitigation[] }>("/api/v1/mitigations?include=proposed");
    list = open.mitigations.filter((m) => m.incident_id === incident.id);
  } catch (e) {
    flash(box, e);
    return;
  }
  const mitigate = can("mitigate");
  const note = h("p", { class: "status" });
  const act = async (path: string, body: object) => {
    try {
      await post(path, body);
      await mitigationsPanel(box, incident, reload);
      await reload();
    } catch (e) {
      flash(note, e);
    }
  };
  const kind = h("select", { name: "kind", "aria-label": "mitigation kind", onchange: () => { params.value = JSON.stringify(KINDS[kind.value], null, 0); } }, ...Object.keys(KINDS).map((k) => h("option", { value: k }, k)));
  const feature = h("input", { type: "text", name: "scope_feature", value: incident.feature ?? "", placeholder: "feature", "aria-label": "scope feature" });
  const tenant = h("input", { type: "text", name: "scope_tenant", placeholder: "tenant (optional)", "aria-label": "scope tenant" });
  const params = h("input", { type: "text", name: "parameters", value: JSON.stringify(KINDS.fallback), "aria-label": "parameters (JSON)", class: "wide" });
  const reason = h("input", { type: "text", name: "reason", placeholder: "reason", "aria-label": "reason", required: true });
  const propose = async (e: Event) => {
    e.preventDefault();
    let parameters: unknown;
    try {
      parameters = JSON.parse(params.value || "{}");
    } catch {
      clear(note, h("span", { class: "error" }, "parameters must be JSON"));
      return;
    }
    await act("/api/v1/mitigations", { kind: kind.value, scope: { feature: feature.value.trim() || null, tenant: tenant.value.trim() || null }, parameters, reason: reason.value.trim() || `mitigate ${incident.id}`, incident_id: incident.id, alert_id: incident.alerts[0]?.alert_id, created_by: actor(), mode: "propose" });
  };
  clear(box,
    list.length === 0 ? h("p", { class: "empty" }, "No proposed or active mitigation for this incident.") : h("table", { class: "mitigations" },
      h("thead", {}, h("tr", {}, ...["Mitigation", "Scope", "State", "By", ""].map((t) => h("th", {}, t)))),
      h("tbody", {}, ...list.map((m) => h("tr", { "data-mitigation": m.id },
        h("td", {}, h("strong", {}, m.kind), ` ${m.reason}`, h("div", { class: "sub" }, `${m.id} · ${JSON.stringify(m.parameters)}`)),
        h("td", {}, Object.entries(m.scope).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join(", ") || "everywhere"),
        h("td", {}, badge(m.state, m.state)),
        h("td", {}, m.created_by, m.approved_by ? ` → approved by ${m.approved_by}` : ""),
        h("td", {},
          m.state === "proposed" ? h("button", { type: "button", "data-action": "approve", disabled: !mitigate, onclick: () => void act(`/api/v1/mitigations/${enc(m.id)}/approve`, { actor: actor() }) }, "Approve") : null,
          m.state === "proposed" || m.state === "active" ? h("button", { type: "button", "data-action": "revoke", disabled: !mitigate, onclick: () => void act(`/api/v1/mitigations/${enc(m.id)}/revoke`, { actor: actor(), note: "revoked in the console" }) }, "Revoke") : null))))),
    h("form", { class: "inline-form", id: "propose", onsubmit: (e: Event) => void propose(e) }, kind, feature, tenant, params, reason, h("button", { type: "submit", disabled: !mitigate }, "Propose")),
    mitigate ? null : h("p", { class: "sub" }, "Your key lacks the mitigate scope: you can see mitigations but not change them."),
    note);
}

export async function verificationPanel(box: HTMLElement, incident: Incident, reload: () => Promise<void>): Promise<void> {
  const note = h("p", { class: "status" });
  let status: Record<string, unknown> = {};
  try {
    status = await get<Record<string, unknown>>(`/api/v1/incidents/${enc(incident.id)}/verification`);
  } catch (e) {
    flash(note, e);
  }
  const target = h("input", { type: "url", name: "verify_target", placeholder: "fixed application URL", "aria-label": "verification target" });
  const run = async (path: string, body: object) => {
    try {
      await post(path, body);
      await verificationPanel(box, incident, reload);
      await reload();
    } catch (e) {
      flash(note, e);
    }
  };
  clear(box,
    h("dl", { class: "facts" }, ...Object.entries(status).filter(([, v]) => typeof v !== "object" || v === null).flatMap(([k, v]) => [h("dt", {}, k.replace(/_/g, " ")), h("dd", {}, String(v))])),
    h("div", { class: "inline-form" },
      h("button", { type: "button", disabled: !can("respond") || incident.example_call_ids.length === 0, onclick: () => void run(`/api/v1/incidents/${enc(incident.id)}/regression-cases`, { call_ids: incident.example_call_ids, by: actor() }) }, "Add example calls as regression cases"),
      target,
      h("button", { type: "button", disabled: !can("respond"), onclick: () => void run(`/api/v1/incidents/${enc(incident.id)}/verify`, { target: target.value.trim(), by: actor() }) }, "Verify fix")),
    note);
}

function assemble(p: Postmortem, fields: Record<string, string>): string {
  const list = (xs: string[]) => xs.filter((x) => x.trim()).map((x) => `- ${x}`).join("\n");
  return [
    `# ${p.title}`,
    `## Summary\n\n${fields.summary}`,
    `## Detection\n\n${fields.detection}`,
    `## Mitigation\n\n${fields.mitigation}`,
    `## Root cause\n\n${fields.root_cause}`,
    `## What went well\n\n${list(fields.went_well.split("\n"))}`,
    `## What went badly\n\n${list(fields.went_badly.split("\n"))}`,
  ].join("\n\n");
}

export async function postmortemPanel(box: HTMLElement, incident: Incident, reload: () => Promise<void>): Promise<void> {
  let pm: Postmortem;
  try {
    pm = await get<Postmortem>(`/api/v1/postmortems/${enc(incident.id)}`);
  } catch (e) {
    flash(box, e);
    return;
  }
  const note = h("p", { class: "status" });
  const preview = h("div", { class: "markdown", id: "postmortem-preview" });
  const area = (name: string, label: string, value: string, rows = 4) => h("label", { class: "field" }, label, h("textarea", { name, rows, oninput: () => schedule() }, value));
  const form = h("form", { class: "pm-form", onsubmit: (e: Event) => e.preventDefault() },
    area("summary", "Summary (Markdown)", pm.summary),
    area("detection", "Detection", pm.detection, 3),
    area("mitigation", "Mitigation", pm.mitigation, 3),
    area("root_cause", "Root cause", pm.root_cause, 4),
    area("went_well", "What went well (one per line)", pm.went_well.join("\n"), 3),
    area("went_badly", "What went badly (one per line)", pm.went_badly.join("\n"), 3));
  const values = (): Record<string, string> => Object.fromEntries(["summary", "detection", "mitigation", "root_cause", "went_well", "went_badly"].map((n) => [n, (form.elements.namedItem(n) as HTMLTextAreaElement).value]));
  let timer: number | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => renderMarkdown(preview, assemble(pm, values())), 120);
  };
  const save = async (status?: string) => {
    const v = values();
    const body: Record<string, unknown> = { summary: v.summary, detection: v.detection, mitigation: v.mitigation, root_cause: v.root_cause, went_well: v.went_well.split("\n").filter((x) => x.trim()), went_badly: v.went_badly.split("\n").filter((x) => x.trim()), updated_by: actor() };
    if (status) body.status = status;
    try {
      pm = await put<Postmortem>(`/api/v1/postmortems/${enc(incident.id)}`, body);
      clear(head, ...headOf(pm));
      clear(note, h("span", { class: "ok" }, status === "published" ? `published as version ${pm.version}` : `saved version ${pm.version}`));
      await reload();
    } catch (e) {
      flash(note, e);
    }
  };
  const headOf = (p: Postmortem) => [badge(p.status, `pm-${p.status}`), ` version ${p.version}, last edited by ${p.updated_by} at ${fmt.time(p.updated_at)} · `, h("button", { type: "button", class: "link", onclick: () => void showExport(p.incident_id) }, "show the full post-mortem")];
  const showExport = async (id: string) => {
    try {
      renderMarkdown(preview, await get<string>(`/api/v1/postmortems/${enc(id)}/export`));
    } catch (e) {
      flash(note, e);
    }
  };
  const head = h("p", { class: "pm-head" }, ...headOf(pm));
  const editable = can("respond");
  clear(box, head,
    h("div", { class: "pm" }, form, h("div", {}, h("h3", {}, "Preview"), preview)),
    h("div", { class: "actions" },
      h("button", { type: "button", "data-action": "save-postmortem", disabled: !editable, onclick: () => void save() }, "Save draft"),
      h("button", { type: "button", class: "primary", "data-action": "publish-postmortem", disabled: !editable, onclick: () => void save("published") }, "Publish")),
    note);
  renderMarkdown(preview, assemble(pm, values()));
}

export async function similarPanel(box: HTMLElement, incident: Incident): Promise<void> {
  const related = await Promise.all(incident.related.slice(0, 6).map((id) => get<Incident>(`/api/v1/incidents/${enc(id)}`).catch(() => null)));
  const shown = related.filter((r): r is Incident => !!r);
  clear(box, shown.length === 0 ? h("p", { class: "empty" }, "No similar past incident.") : h("ul", { class: "similar" },
    ...shown.map((r) => h("li", {}, h("a", { href: `/incidents/${enc(r.id)}` }, r.title.slice(0, 120)), ` · ${r.severity.toUpperCase()} · ${r.state.toLowerCase()} · ${fmt.time(r.detected_at)} `))));
}
