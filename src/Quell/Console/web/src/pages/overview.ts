import { get, q } from "../api";
import { badge, clear, fmt, h } from "../dom";
import { sparkline } from "../chart";

interface Row {
  feature: string;
  model: string;
  calls: number;
  spend_usd: number;
  p99_ms?: number;
  error_rate?: number;
  cost_per_call?: number;
  eval_pass_rate?: number;
  negative_feedback_rate?: number;
  series: { p99_ms: (number | null)[]; error_rate: (number | null)[]; cost_per_call: (number | null)[]; eval_pass_rate: (number | null)[]; negative_feedback_rate: (number | null)[] };
  open_incidents: { id: string; severity: string; state: string; title: string; detected_at: string }[];
  mitigations: { id: string; kind: string; state: string; scope: string }[];
}

interface Slot {
  user: string;
  from: string;
  to: string;
}

interface Overview {
  from: string;
  to: string;
  step_ms: number;
  times: number[];
  rows: Row[];
  on_call: { schedule: string; now?: Slot; next?: Slot }[];
}

// Health of every feature × model at a glance, with what is open against it and who is on call.
export async function overview(root: HTMLElement, _p: string[], query: URLSearchParams): Promise<() => void> {
  const range = query.get("range") ?? "24h";
  const data = await get<Overview>(`/api/v1/console/overview${q({ range })}`);
  const charts: { destroy(): void }[] = [];
  const cell = (values: (number | null)[], text: string, color: string, marks: number[]) => {
    const box = h("div", { class: "spark-box" });
    const td = h("td", {}, h("div", { class: "figure" }, text), box);
    if (values.some((v) => v !== null)) queueMicrotask(() => charts.push(sparkline(box, data.times, values, color, marks)));
    return td;
  };
  const rows = data.rows.filter((r) => r.calls > 0 || r.eval_pass_rate !== undefined);
  clear(
    root,
    h("div", { class: "toolbar" }, h("h1", {}, "Overview"),
      h("span", { class: "sub" }, `${fmt.time(data.from)} → ${fmt.time(data.to)}`),
      h("span", { class: "ranges" }, ...["6h", "24h", "3d", "7d", "14d"].map((r) => h("a", { href: `/overview?range=${r}`, class: r === range ? "on" : "" }, r)))),
    h("section", { class: "card oncall", id: "oncall" }, h("h2", {}, "On call"),
      data.on_call.length === 0 ? h("p", { class: "empty" }, "No schedules configured.") : h("table", {},
        h("thead", {}, h("tr", {}, h("th", {}, "Schedule"), h("th", {}, "Now"), h("th", {}, "Next"))),
        h("tbody", {}, ...data.on_call.map((o) => h("tr", {},
          h("td", {}, o.schedule),
          h("td", {}, o.now ? h("strong", {}, o.now.user) : "nobody", o.now ? ` until ${fmt.time(o.now.to)}` : ""),
          h("td", {}, o.next ? `${o.next.user} from ${fmt.time(o.next.from)}` : "—")))))),
    h("table", { class: "overview" },
      h("thead", {}, h("tr", {}, ...["Feature × model", "Calls", "Spend", "p99 latency", "Error rate", "Cost per call", "Eval pass rate", "Negative feedback", "Open"].map((t) => h("th", {}, t)))),
      h("tbody", {}, ...rows.map((r) => {
        const marks = r.open_incidents.map((i) => new Date(i.detected_at).getTime());
        return h("tr", { "data-row": `${r.feature}/${r.model}` },
          h("td", {}, h("a", { href: `/calls${q({ feature: r.feature, model: r.model })}` }, h("strong", {}, r.feature || "—")), h("div", { class: "sub" }, r.model || "—")),
          h("td", {}, fmt.num(r.calls)),
          h("td", {}, fmt.usd(r.spend_usd)),
          cell(r.series.p99_ms, fmt.ms(r.p99_ms), "#8e44ad", marks),
          cell(r.series.error_rate, fmt.pct(r.error_rate), "#c0392b", marks),
          cell(r.series.cost_per_call, fmt.usd(r.cost_per_call), "#d35400", marks),
          cell(r.series.eval_pass_rate, fmt.pct(r.eval_pass_rate), "#27ae60", marks),
          cell(r.series.negative_feedback_rate, fmt.pct(r.negative_feedback_rate), "#2c3e50", marks),
          h("td", { class: "open" },
            ...r.open_incidents.map((i) => h("a", { href: `/incidents/${encodeURIComponent(i.id)}`, class: `badge sev sev-${i.severity.toLowerCase()}`, title: i.title }, `${i.severity.toUpperCase()} ${i.state}`)),
            ...r.mitigations.map((m) => badge(`${m.kind} ${m.state}`, "mitigation"))));
      }))),
  );
  return () => charts.forEach((c) => c.destroy());
}
