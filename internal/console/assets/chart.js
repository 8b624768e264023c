// The margin chart: a group's AWS cost, pro forma cost and margin over
// months, as an SVG drawn from the API's exact amounts (plotted as
// numbers, each point's exact figures in its tooltip).

const NS = "http://www.w3.org/2000/svg";
const SERIES = [["AWSCost", "AWS cost", "#687078"], ["ProformaCost", "Pro forma cost", "#0972d3"], ["Margin", "Margin", "#037f0c"]];

// svg creates an SVG element with attributes and children.
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

// previousPeriods returns the n periods up to and including period
// ("YYYY-MM"), oldest first.
export function previousPeriods(period, n) {
  let [y, m] = period.split("-").map(Number);
  const out = [];
  for (let i = 0; i < n; i++) {
    out.unshift(`${y}-${String(m).padStart(2, "0")}`);
    if (--m === 0) { m = 12; y--; }
  }
  return out;
}

// marginChart draws months: [{period, report}] where report is a
// BillingGroupCostReportElement or null (no report that month).
export function marginChart(title, months) {
  const width = 760, height = 260, left = 70, right = 20, top = 20, bottom = 50;
  const values = months.flatMap((m) => (m.report ? SERIES.map(([k]) => Number(m.report[k])) : []));
  const max = Math.max(0, ...values), min = Math.min(0, ...values);
  const span = max - min || 1;
  const x = (i) => left + (months.length === 1 ? 0 : (i * (width - left - right)) / (months.length - 1));
  const y = (v) => top + ((max - v) * (height - top - bottom)) / span;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title, class: "chart" });
  chart.append(svg("title", {}, title));
  for (const v of [min, (min + max) / 2, max]) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), stroke: "#d5dbdb" }),
      svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#5f6b7a" }, `$${v.toFixed(2)}`));
  }
  months.forEach((m, i) => chart.append(svg("text", { x: x(i), y: height - bottom + 16, "text-anchor": "middle", "font-size": 10, fill: "#5f6b7a" }, m.period.slice(2))));
  SERIES.forEach(([key, label, color], s) => {
    const points = months.map((m, i) => (m.report ? [x(i), y(Number(m.report[key])), m] : null)).filter(Boolean);
    if (points.length > 1) chart.append(svg("polyline", { points: points.map(([px, py]) => `${px},${py}`).join(" "), fill: "none", stroke: color, "stroke-width": 2 }));
    for (const [px, py, m] of points) {
      chart.append(svg("circle", { cx: px, cy: py, r: 3.5, fill: color, "data-series": key, "data-period": m.period },
        svg("title", {}, `${m.period} ${label}: ${m.report[key]} USD`)));
    }
    chart.append(svg("rect", { x: left + s * 150, y: height - 18, width: 10, height: 10, fill: color }),
      svg("text", { x: left + s * 150 + 14, y: height - 9, "font-size": 12 }, label));
  });
  return chart;
}
