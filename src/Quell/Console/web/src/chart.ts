import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Series {
  metric: string;
  unit: string;
  step_ms: number;
  times: number[];
  values: (number | null)[];
  band?: { low: number; center: number; high: number; buckets: number } | null;
}

export interface Marker {
  at: number; // Unix ms
  label: string;
  color: string;
}

function formatValue(unit: string, v: number | null): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  switch (unit) {
    case "ms":
      return v >= 10000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
    case "ratio":
      return `${(v * 100).toFixed(1)} %`;
    case "usd":
      return `$${v.toFixed(4)}`;
    case "usd/h":
      return `$${v.toFixed(2)}/h`;
    default:
      return v.toLocaleString("en-US", { maximumFractionDigits: 2 });
  }
}

// The incident's signal with its baseline band (median ± 3 MAD before the onset) and the incident's moments.
export function incidentChart(target: HTMLElement, s: Series, markers: Marker[], width: number): uPlot {
  const xs = s.times.map((t) => t / 1000);
  const low = s.band ? xs.map(() => Math.max(0, s.band!.low)) : xs.map(() => null);
  const high = s.band ? xs.map(() => s.band!.high) : xs.map(() => null);
  const data: uPlot.AlignedData = [xs, s.values, low, high];
  const opts: uPlot.Options = {
    width,
    height: 260,
    class: "incident-chart",
    scales: { x: { time: true } },
    series: [
      {},
      { label: s.metric.replace(/_/g, " "), stroke: "#c0392b", width: 1.5, spanGaps: false, value: (_u, v) => formatValue(s.unit, v) },
      { label: "band low", stroke: "rgba(39,174,96,0.6)", width: 1, dash: [4, 4], value: (_u, v) => formatValue(s.unit, v) },
      { label: "band high", stroke: "rgba(39,174,96,0.6)", width: 1, dash: [4, 4], value: (_u, v) => formatValue(s.unit, v) },
    ],
    bands: s.band ? [{ series: [3, 2], fill: "rgba(39,174,96,0.12)" }] : [],
    axes: [{}, { values: (_u, ticks) => ticks.map((t) => formatValue(s.unit, t)), size: 70 }],
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          for (const m of markers) {
            const x = u.valToPos(m.at / 1000, "x", true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = m.color;
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.setLineDash([6 * devicePixelRatio, 3 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillStyle = m.color;
            ctx.font = `${11 * devicePixelRatio}px sans-serif`;
            ctx.fillText(m.label, x + 3 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
          }
          ctx.restore();
        },
      ],
    },
  };
  return new uPlot(opts, data, target);
}

// A small chart for the overview: the line alone, no axes or legend.
export function sparkline(target: HTMLElement, times: number[], values: (number | null)[], color: string, marks: number[] = []): uPlot {
  const xs = times.map((t) => t / 1000);
  return new uPlot(
    {
      width: 150,
      height: 36,
      class: "spark",
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: color, width: 1.25, fill: color + "22" }],
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = "#c0392b";
            ctx.lineWidth = 1;
            for (const m of marks) {
              const x = u.valToPos(m / 1000, "x", true);
              if (x < u.bbox.left) continue;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
      },
    },
    [xs, values],
    target,
  );
}

export { formatValue };
