// Vigil's web UI: progressive enhancement of server-rendered pages. Pages work without this file (charts fall back
// to their data tables); with it, charts are drawn with uPlot and [data-live-src] regions refresh themselves.
(function () {
  "use strict";

  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const palette = () => [1, 2, 3, 4, 5, 6].map((i) => css("--chart-" + i));

  function format(value, unit) {
    if (value == null || Number.isNaN(value)) return "—";
    switch (unit) {
      case "seconds": return Math.abs(value) < 1 ? (value * 1000).toFixed(1) + " ms" : value.toFixed(2) + " s";
      case "ratio": return (value * 100).toFixed(2) + "%";
      case "rate": return value.toFixed(2) + "/s";
      default: return String(Math.round(value * 1000) / 1000);
    }
  }

  function markersPlugin(markers) {
    return {
      hooks: {
        draw: [(u) => {
          if (!markers.length) return;
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = css("--marker");
          ctx.fillStyle = css("--marker");
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
          ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
          for (const m of markers) {
            const x = Math.round(u.valToPos(m.at, "x", true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillText(m.label, x + 3 * devicePixelRatio, u.bbox.top + 11 * devicePixelRatio);
          }
          ctx.restore();
        }],
      },
    };
  }

  function drawChart(figure) {
    if (figure.dataset.drawn || typeof uPlot === "undefined") return;
    const plot = figure.querySelector(".chart-plot");
    const script = figure.querySelector('script[type="application/json"]');
    if (!plot || !script) return;
    figure.dataset.drawn = "1";
    const spec = JSON.parse(script.textContent);
    const colors = palette();
    const opts = {
      width: Math.max(200, plot.clientWidth),
      height: spec.height || 220,
      scales: { x: { time: true } },
      axes: [
        { stroke: css("--muted"), grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") } },
        { stroke: css("--muted"), grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") }, size: 64, values: (u, vals) => vals.map((v) => format(v, spec.unit)) },
      ],
      series: [{ label: "Time", value: (u, v) => (v == null ? "—" : new Date(v * 1000).toISOString().slice(0, 19).replace("T", " ")) }].concat(
        spec.series.map((s, i) => ({ label: s.label, stroke: s.color || colors[i % colors.length], width: 1.5, spanGaps: false, value: (u, v) => format(v, spec.unit) }))),
      plugins: [markersPlugin(spec.markers || [])],
      cursor: { points: { size: 7 } },
    };
    const data = [spec.times].concat(spec.series.map((s) => s.values));
    const chart = new uPlot(opts, data, plot);
    if (spec.pointLink) {
      plot.classList.add("clickable");
      plot.title = "Click a point to open that minute";
      chart.over.addEventListener("click", () => {
        const idx = chart.cursor.idx;
        if (idx == null) return;
        const t = spec.times[idx];
        const from = t - (t % 60);
        location.href = spec.pointLink.replace("{from}", String(from)).replace("{to}", String(from + 60));
      });
    }
    new ResizeObserver(() => chart.setSize({ width: Math.max(200, plot.clientWidth), height: spec.height || 220 })).observe(plot);
  }

  function drawCharts(root) {
    root.querySelectorAll("[data-chart]").forEach(drawChart);
  }

  // A [data-live-src] region re-fetches its HTML every data-live-interval ms (default 2000) until the returned HTML
  // carries [data-live-done]; the page never reloads, and the region says so to screen readers (aria-live).
  function live(region) {
    const interval = Number(region.dataset.liveInterval || 2000);
    region.setAttribute("aria-live", "polite");
    const tick = async () => {
      if (region.querySelector("[data-live-done]")) return;
      try {
        const response = await fetch(region.dataset.liveSrc, { headers: { Accept: "text/html" }, credentials: "same-origin", redirect: "manual" });
        if (response.type === "opaqueredirect") {
          // The session ended (signed out elsewhere, key revoked): reloading the page leads to the login page.
          location.reload();
          return;
        }
        if (response.ok) {
          region.innerHTML = await response.text();
          drawCharts(region);
        }
      } catch (e) { /* the server may be restarting: try again at the next tick */ }
      setTimeout(tick, interval);
    };
    setTimeout(tick, interval);
  }

  function start() {
    drawCharts(document);
    document.querySelectorAll("[data-live-src]").forEach(live);
    document.querySelectorAll("[data-copy]").forEach((button) => {
      button.addEventListener("click", () => {
        const target = document.getElementById(button.dataset.copy);
        if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
