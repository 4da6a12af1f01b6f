import { ApiError, actor, can, enc, get, post, q } from "../api";
import { badge, clear, fmt, h, section, severityBadge } from "../dom";
import { incidentChart, type Marker, type Series } from "../chart";
import { subscribe } from "../events";
import type { Alert, IncidentDetail, TimelineEntry } from "../types";
import { correlationPanel, examplesPanel, mitigationsPanel, postmortemPanel, similarPanel, verificationPanel } from "./incident-panels";

interface SeriesView {
  signal: string;
  feature?: string;
  model?: string;
  series: Series;
  markers: { onset?: number; detected: number; acknowledged?: number; mitigated?: number; resolved?: number };
  observed?: number;
  baseline?: number;
}

export function flash(target: HTMLElement, e: unknown): void {
  const text = e instanceof ApiError && e.status === 403 ? `Not allowed: ${e.detail || "this key lacks the scope for that"}` : `Failed: ${(e as Error).message}`;
  clear(target, h("span", { class: "error", role: "alert" }, text));
}

// One incident: what fired, why, who is on it, and every action a responder takes, one click each.
export async function incidentPage(root: HTMLElement, [id]: string[], query: URLSearchParams): Promise<() => void> {
  const started = performance.now();
  const incident = await get<IncidentDetail>(`/api/v1/incidents/${enc(id)}`);
  let range = query.get("range") ?? defaultRange(incident);
  const seriesP = get<SeriesView>(`/api/v1/console/incidents/${enc(id)}/series${q({ range })}`);
  const alertsP = Promise.all(incident.alerts.slice(0, 5).map((a) => get<Alert>(`/api/v1/alerts/${enc(a.alert_id)}`).catch(() => null)));

  const header = h("div", { class: "incident-head" });
  const status = h("div", { class: "status", role: "status" });
  const chartBox = h("div", { class: "chart", id: "chart" });
  const timeline = h("ol", { class: "timeline", id: "timeline-list" });
  const timelineFilter = h("select", { name: "kind", onchange: () => drawTimeline() }, h("option", { value: "" }, "all kinds"));
  const findings = h("div", { id: "runbook-findings" });
  const breakdown = h("div", { id: "breakdown-body" });

  const layout = h(
    "div",
    { class: "incident" },
    header,
    status,
    h("div", { class: "grid" },
      section("Summary", "summary", h("div", { id: "summary-body" })),
      section("Affected", "affected", h("div", { id: "affected-body" }))),
    section("Signal", "signal",
      h("div", { class: "ranges" }, ...["1d", "3d", "7d", "14d"].map((r) => h("button", { type: "button", class: r === range ? "on" : "", "data-range": r, onclick: () => void loadChart(r) }, r))),
      chartBox),
    section("Breakdown", "breakdown", breakdown),
    h("div", { class: "grid" },
      section("Runbook findings", "runbook", findings),
      section("Change correlation", "correlation", h("div", { id: "correlation-body" }))),
    section("Example calls", "examples", h("div", { id: "examples-body" })),
    section("Mitigations", "mitigations", h("div", { id: "mitigations-body" })),
    section("Regression cases and verification", "verification", h("div", { id: "verification-body" })),
    section("Post-mortem", "postmortem", h("div", { id: "postmortem-body" })),
    section("Similar past incidents", "similar", h("div", { id: "similar-body" })),
    section("Timeline", "timeline", h("div", { class: "toolbar" }, timelineFilter, h("span", { class: "count", id: "timeline-count" })), timeline),
  );
  clear(root, layout);

  let current = incident;
  function drawHeader() {
    const i = current;
    const state = i.state.toLowerCase();
    const respond = can("respond");
    const why = respond ? "" : "your key lacks the respond scope";
    const noteText = h("input", { type: "text", name: "note", placeholder: "add a note", "aria-label": "note" });
    const assignee = h("input", { type: "text", name: "assignee", placeholder: "assignee", value: i.assignee ?? "", "aria-label": "assignee" });
    const severity = h("select", { name: "severity", "aria-label": "severity", disabled: !respond }, ...["S1", "S2", "S3"].map((s) => h("option", { value: s, selected: i.severity.toUpperCase() === s }, s)));
    const act = (label: string, name: string, enabled: boolean, run: () => Promise<unknown>) =>
      h("button", { type: "button", class: "action", "data-action": name, disabled: !respond || !enabled, title: why || label, onclick: () => void command(run) }, label);
    const closed = state === "closed" || !!i.resolved_at;
    clear(
      header,
      h("div", { class: "title-row" }, severityBadge(i.severity), h("h1", {}, i.title)),
      h("div", { class: "meta" },
        badge(state, `state ${state}`), ` ${i.category}`, i.feature ? ` · ${i.feature}` : "", ` · detected ${fmt.time(i.detected_at)} (${fmt.age(i.detected_at)} ago)`,
        i.commander ? ` · commander ${i.commander}` : "", i.assignee ? ` · assignee ${i.assignee}` : "", ` · ${i.id}`),
      h("div", { class: "actions" },
        act("Acknowledge", "ack", state === "detected", () => post(`/api/v1/incidents/${enc(id)}/ack`, { by: actor() })),
        h("span", { class: "inline" }, assignee, act("Assign", "assign", !closed, () => post(`/api/v1/incidents/${enc(id)}/assign`, { assignee: assignee.value.trim() || actor(), by: actor() }))),
        h("span", { class: "inline" }, severity, act("Set severity", "severity", !closed, () => post(`/api/v1/incidents/${enc(id)}/severity`, { severity: severity.value, reason: "set in the console", by: actor() }))),
        h("span", { class: "inline" }, noteText, act("Add note", "note", true, () => post(`/api/v1/incidents/${enc(id)}/note`, { text: noteText.value.trim() || "(empty note)", by: actor() }))),
        act("Resolve", "resolve", !closed, () => post(`/api/v1/incidents/${enc(id)}/resolve`, { by: actor() })),
      ),
    );
  }

  async function command(run: () => Promise<unknown>) {
    clear(status, "working…");
    try {
      const result = (await run()) as IncidentDetail | undefined;
      if (result && result.timeline) current = result;
      else current = await get<IncidentDetail>(`/api/v1/incidents/${enc(id)}`);
      clear(status, h("span", { class: "ok" }, "done"));
      drawAll();
    } catch (e) {
      flash(status, e);
    }
  }

  function drawSummary() {
    const i = current;
    clear(document.getElementById("summary-body")!,
      h("p", {}, i.summary),
      i.attribution ? h("p", { class: "attribution" }, h("strong", {}, "Attribution: "), i.attribution) : null,
      h("p", { class: "sub" }, `Severity ${i.severity.toUpperCase()}: ${i.severity_reason}`),
      i.suppressed_by ? h("p", { class: "warn" }, `Not paged: ${i.suppressed_by}`) : null,
      h("dl", { class: "timings" },
        ...Object.entries(i.timings_seconds ?? {}).filter(([, v]) => v !== null && v !== undefined).flatMap(([k, v]) => [h("dt", {}, k.replace(/_/g, " ")), h("dd", {}, `${Math.round((v as number) / 60)} min`)])));
    const b = i.blast;
    clear(document.getElementById("affected-body")!,
      h("dl", { class: "facts" },
        h("dt", {}, "Tenants"), h("dd", {}, `${b.tenants.length} of ${b.total_tenants} (${fmt.pct(b.tenant_share, 0)})`),
        h("dt", {}, "Users"), h("dd", {}, `${fmt.num(b.users)} of ${fmt.num(b.total_users)} (${fmt.pct(b.user_share, 0)})`),
        h("dt", {}, "Calls"), h("dd", {}, `${fmt.num(b.calls)} of ${fmt.num(b.total_calls)} (${fmt.pct(b.call_share, 1)})`)),
      h("p", { class: "tenants" }, ...b.tenants.slice(0, 40).map((t) => h("a", { href: `/calls${q({ tenant: t, feature: i.feature })}`, class: "chip" }, t)), b.tenants.length > 40 ? ` and ${b.tenants.length - 40} more` : ""),
      i.pages.length ? h("p", { class: "sub" }, "Paged: ", i.pages.map((p) => `${p.user} (${p.role}) ${fmt.time(p.at)}`).join("; ")) : null);
  }

  function drawTimeline() {
    const entries: TimelineEntry[] = current.timeline;
    const kinds = [...new Set(entries.map((e) => e.kind))].sort();
    const chosen = timelineFilter.value;
    if (timelineFilter.options.length !== kinds.length + 1) {
      clear(timelineFilter, h("option", { value: "" }, "all kinds"), ...kinds.map((k) => h("option", { value: k, selected: k === chosen }, k)));
    }
    const shown = chosen ? entries.filter((e) => e.kind === chosen) : entries;
    const frag = document.createDocumentFragment();
    for (let n = shown.length - 1; n >= 0; n--) {
      const e = shown[n];
      frag.appendChild(h("li", { class: `tl tl-${e.kind}` }, h("time", { datetime: e.at }, fmt.time(e.at)), h("span", { class: "kind" }, e.kind), h("span", { class: "actor" }, e.actor), h("span", { class: "msg" }, e.message)));
    }
    timeline.replaceChildren(frag);
    document.getElementById("timeline-count")!.textContent = `${shown.length} entries, newest first`;
    const found = entries.filter((e) => e.kind === "runbook_finding");
    clear(findings,
      found.length ? h("ul", { class: "findings" }, ...found.map((f) => h("li", {}, h("span", { class: "actor" }, f.actor), " ", f.message))) : h("p", { class: "empty" }, "No runbook has run yet."),
      current.alerts[0] ? h("button", { type: "button", disabled: !can("respond") && !can("read"), onclick: () => void runRunbook() }, "Run runbook now") : null);
  }

  async function runRunbook() {
    try {
      const run = await post<{ steps?: { title?: string; name?: string; finding?: string; summary?: string }[] }>("/api/v1/runbooks/run", { alert_id: current.alerts[0].alert_id, incident_id: id });
      current = await get<IncidentDetail>(`/api/v1/incidents/${enc(id)}`);
      drawTimeline();
      if (run.steps) findings.appendChild(h("p", { class: "ok" }, `ran ${run.steps.length} steps`));
    } catch (e) {
      const s = h("p");
      findings.appendChild(s);
      flash(s, e);
    }
  }

  let chart: { destroy(): void } | null = null;
  async function loadChart(r: string, ready?: Promise<SeriesView>) {
    range = r;
    for (const b of layout.querySelectorAll<HTMLButtonElement>(".ranges button")) b.classList.toggle("on", b.dataset.range === r);
    try {
      const v = await (ready ?? get<SeriesView>(`/api/v1/console/incidents/${enc(id)}/series${q({ range: r })}`));
      const m = v.markers;
      const markers: Marker[] = [
        m.onset ? { at: m.onset, label: "onset", color: "#8e44ad" } : null,
        { at: m.detected, label: "detected", color: "#c0392b" },
        m.acknowledged ? { at: m.acknowledged, label: "ack", color: "#d35400" } : null,
        m.mitigated ? { at: m.mitigated, label: "mitigated", color: "#2980b9" } : null,
        m.resolved ? { at: m.resolved, label: "fixed", color: "#27ae60" } : null,
      ].filter((x): x is Marker => x !== null);
      chart?.destroy();
      chartBox.replaceChildren();
      const caption = h("p", { class: "sub" },
        `${v.signal.replace(/_/g, " ")} of ${v.feature ?? "all features"}${v.model ? ` on ${v.model}` : ""}, ${v.series.step_ms / 60000}-minute buckets`,
        v.series.band ? `; band: ${v.series.band.buckets} buckets before the onset, median ± 3 MAD` : "; too little history before the onset for a band",
        v.observed !== undefined && v.baseline !== undefined ? `; detector saw ${v.observed.toFixed(3)} against a baseline of ${v.baseline.toFixed(3)}` : "");
      chartBox.appendChild(caption);
      const plot = h("div", { class: "plot" });
      chartBox.appendChild(plot);
      chart = incidentChart(plot, v.series, markers, Math.max(320, chartBox.clientWidth - 8));
    } catch (e) {
      flash(chartBox, e);
    }
  }

  function drawBreakdown(alerts: (Alert | null)[]) {
    const rows = alerts.filter((a): a is Alert => !!a);
    clear(breakdown,
      rows.length === 0 ? h("p", { class: "empty" }, "No detector alert behind this incident (it came from an external source).") : null,
      ...rows.map((a) => h("div", { class: "alert-breakdown" },
        h("h3", {}, `${a.signal.replace(/_/g, " ")} — ${Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(", ")}`),
        h("p", {}, a.attribution.sentence),
        a.attribution.factors.length
          ? h("table", { class: "factors" },
              h("thead", {}, h("tr", {}, ...["Dimension", "Value", "Share of excess", "× baseline", "Recent traffic", "Baseline traffic"].map((t) => h("th", {}, t)))),
              h("tbody", {}, ...a.attribution.factors.map((f) => h("tr", {},
                h("td", {}, f.dimension), h("td", {}, h("strong", {}, f.value)),
                h("td", {}, h("span", { class: "bar" }, barOf(f.share)), ` ${fmt.pct(f.share, 0)}`),
                h("td", {}, `${f.ratio.toFixed(1)}×`), h("td", {}, fmt.pct(f.recent_traffic_share, 0)), h("td", {}, fmt.pct(f.baseline_traffic_share, 0))))))
          : h("p", { class: "sub" }, "The excess is spread across all values; no dimension carries it."))));
  }

  function drawAll() {
    drawHeader();
    drawSummary();
    drawTimeline();
  }

  drawAll();
  await loadChart(range, seriesP);
  const alerts = await alertsP;
  drawBreakdown(alerts);
  document.body.dataset.ready = "incident";
  performance.measure("incident-render", { start: started });
  const reload = async () => {
    current = await get<IncidentDetail>(`/api/v1/incidents/${enc(id)}`);
    drawAll();
  };
  void correlationPanel(document.getElementById("correlation-body")!, current, alerts);
  void examplesPanel(document.getElementById("examples-body")!, current);
  void mitigationsPanel(document.getElementById("mitigations-body")!, current, reload);
  void verificationPanel(document.getElementById("verification-body")!, current, reload);
  void postmortemPanel(document.getElementById("postmortem-body")!, current, reload);
  void similarPanel(document.getElementById("similar-body")!, current);

  let pending: number | undefined;
  const stop = subscribe((e) => {
    if (e.incidents.length && !e.incidents.includes(id)) return;
    clearTimeout(pending);
    pending = window.setTimeout(() => void reload(), 300);
  }, () => {});
  return () => {
    stop();
    chart?.destroy();
  };
}

// The smallest range that shows the onset with at least as much history before it as the incident lasted.
function defaultRange(i: IncidentDetail): string {
  const onset = new Date(i.onset_at ?? i.detected_at).getTime();
  const end = i.resolved_at ? new Date(i.resolved_at).getTime() : Date.now();
  const want = Math.max(2 * (end - onset), 12 * 3600_000);
  const days = [1, 3, 7, 14].find((d) => d * 86400_000 >= want) ?? 14;
  return `${days}d`;
}

function barOf(share: number): HTMLElement {
  const bar = h("span", { class: "fill" });
  bar.style.width = `${Math.round(Math.max(0, Math.min(1, share)) * 60)}px`;
  return bar;
}
