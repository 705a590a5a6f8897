// The rankings pages: pickers that apply themselves, and the ECharts charts drawn from the figures
// the page embeds (the same figures its tables show, so the page reads the same without script).
(function () {
  "use strict";

  const css = getComputedStyle(document.documentElement);
  const FONT = getComputedStyle(document.body).fontFamily;
  const INK = css.getPropertyValue("--ink").trim() || "#1f2a37";
  const MUTED = css.getPropertyValue("--muted").trim() || "#6b7280";
  const LINE = css.getPropertyValue("--line").trim() || "#e5e7eb";
  const GRADES = { A: "#15803d", B: "#1d4ed8", C: "#a16207", D: "#c2410c", E: "#b91c1c" };
  const PALETTE = ["#1d4ed8", "#15803d", "#d97706", "#7c3aed", "#0891b2", "#be123c", "#4d7c0f", "#9333ea"];
  const labels = (document.getElementById("rankings-labels") || { dataset: {} }).dataset;
  const json = (id) => {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  // --- pickers: a change applies at once; changing the scheme or the kind of period resets what
  // depends on it, so the server picks that choice's latest period and first kind of subject.
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    for (const button of form.querySelectorAll("button[type=submit]")) button.hidden = true;
    form.addEventListener("change", (event) => {
      const select = event.target;
      for (const name of (select.dataset.resets || "").split(" ").filter(Boolean)) {
        const dependent = form.elements.namedItem(name);
        if (dependent) dependent.disabled = true; // not sent: the server chooses it
      }
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  }

  const charts = [];
  function chart(id) {
    const el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    const made = echarts.init(el, null, { renderer: "canvas" });
    charts.push(made);
    return made;
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  const text = (extra) => ({ color: INK, fontFamily: FONT, ...extra });
  const axisLine = { lineStyle: { color: LINE } };
  const splitLine = { lineStyle: { color: LINE } };

  // --- the ranking: each subject's composite score, coloured by grade ---------------------------

  const scores = json("rank-chart-data");
  const rankChart = scores && chart("rank-chart");
  if (rankChart) {
    const many = scores.length > 12;
    rankChart.setOption({
      textStyle: text(),
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: {
        type: "category",
        data: scores.map((s) => s.name),
        axisLabel: text({ interval: 0, rotate: many ? 45 : 0, fontSize: many ? 11 : 13 }),
        axisLine: axisLine,
        axisTick: { show: false },
      },
      yAxis: {
        type: "value",
        name: labels.score,
        nameTextStyle: text({ color: MUTED, align: "left" }),
        min: (v) => Math.max(0, Math.floor(v.min / 10) * 10 - 10),
        max: (v) => Math.max(100, Math.ceil(v.max)),
        axisLabel: text({ color: MUTED }),
        splitLine: splitLine,
      },
      series: [
        {
          type: "bar",
          name: labels.score,
          barMaxWidth: 48,
          data: scores.map((s) => ({
            value: s.score,
            itemStyle: { color: GRADES[s.grade] || MUTED },
          })),
          label: {
            show: !many,
            position: "top",
            formatter: (p) => p.value.toFixed(2),
            ...text({ fontWeight: 600 }),
          },
        },
      ],
    });
  }

  // --- a subject's trend: the composite score and one indicator, period by period ---------------

  // Drawn again when htmx swaps in the section for another indicator (the page's own form).
  let trendChart = null;
  function drawTrend() {
    const history = json("trend-data");
    if (trendChart) {
      charts.splice(charts.indexOf(trendChart), 1);
      trendChart.dispose();
      trendChart = null;
    }
    trendChart = history && chart("trend-chart");
    if (!trendChart) return;
    const select = document.getElementById("trend-indicator");
    const picked = select.selectedOptions[0];
    const code = select.value;
    const percent = picked.dataset.unit === "%";
    trendChart.setOption({
      textStyle: text(),
      color: ["#1d4ed8", "#d97706"],
      grid: { left: 8, right: 8, top: 40, bottom: 36, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, textStyle: text() },
      xAxis: {
        type: "category",
        data: history.map((h) => h.label),
        axisLabel: text({ color: MUTED }),
        axisLine: axisLine,
      },
      yAxis: [
        {
          type: "value",
          name: labels.score,
          nameTextStyle: text({ color: MUTED, align: "left" }),
          min: (v) => Math.max(0, Math.floor(Math.min(v.min, 60) / 10) * 10),
          max: (v) => Math.max(100, Math.ceil(v.max)),
          axisLabel: text({ color: MUTED }),
          splitLine: splitLine,
        },
        {
          type: "value",
          name: picked.dataset.name + (picked.dataset.unit ? ` (${picked.dataset.unit})` : ""),
          nameTextStyle: text({ color: MUTED, align: "right" }),
          min: 0,
          max: percent ? 100 : null,
          axisLabel: text({ color: MUTED }),
          splitLine: { show: false },
        },
      ],
      series: [
        { type: "line", name: labels.score, data: history.map((h) => h.score), symbolSize: 8 },
        {
          type: "line",
          name: picked.dataset.name,
          yAxisIndex: 1,
          connectNulls: true,
          data: history.map((h) => h.values[code]),
          symbolSize: 8,
          lineStyle: { type: "dashed" },
        },
      ],
    });
  }
  drawTrend();
  document.body.addEventListener("htmx:afterSettle", () => {
    if (document.getElementById("trend-chart")) drawTrend();
  });

  // --- comparisons: rates side by side, and the composite scores of recent periods --------------

  const compared = json("compare-data") || {};
  for (const [kind, data] of Object.entries(compared)) {
    if (!data.names.length) continue;
    const horizontal = data.names.length > 6; // long department names read better across
    const barsBox = document.getElementById(`bars-${kind}`);
    if (barsBox && horizontal) {
      // room for every subject's group of bars, instead of squeezing them into a fixed box
      barsBox.style.height = `${Math.max(380, data.names.length * data.bars.length * 9 + 90)}px`;
    }
    const bars = chart(`bars-${kind}`);
    const nameAxis = {
      type: "category",
      data: data.names,
      inverse: horizontal,
      axisLabel: text({ interval: 0, width: horizontal ? 180 : 90, overflow: "truncate" }),
      axisLine: axisLine,
      axisTick: { show: false },
    };
    const rateAxis = {
      type: "value",
      max: 100,
      axisLabel: text({ color: MUTED, formatter: "{value}%" }),
      splitLine: splitLine,
    };
    const percent = (v) => (v == null ? "—" : `${v.toFixed(2)}%`);
    if (bars) {
      bars.setOption({
        textStyle: text(),
        color: PALETTE,
        legend: { top: 0, textStyle: text() },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: percent },
        grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
        xAxis: horizontal ? rateAxis : nameAxis,
        yAxis: horizontal ? nameAxis : rateAxis,
        series: data.bars.map((b) => ({
          type: "bar",
          name: b.name,
          data: b.values,
          barMaxWidth: horizontal ? 8 : 28,
        })),
      });
    }
    const lines = chart(`lines-${kind}`);
    if (lines) {
      // Many lines are a tangle: show the first and last three; the legend adds the others.
      const few = data.lines.length <= 8;
      const selected = {};
      data.lines.forEach((l, i) => {
        selected[l.name] = few || i < 3 || i >= data.lines.length - 3;
      });
      lines.setOption({
        textStyle: text(),
        color: PALETTE,
        legend: { type: "scroll", bottom: 0, textStyle: text(), selected: selected },
        tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : v.toFixed(2)) },
        grid: { left: 8, right: 24, top: 36, bottom: 40, containLabel: true },
        xAxis: { type: "category", data: data.periods, axisLabel: text({ color: MUTED }), axisLine: axisLine },
        yAxis: {
          type: "value",
          name: labels.score,
          nameTextStyle: text({ color: MUTED, align: "left" }),
          min: (v) => Math.max(0, Math.floor(Math.min(v.min, 60) / 10) * 10),
          max: (v) => Math.max(100, Math.ceil(v.max)),
          axisLabel: text({ color: MUTED }),
          splitLine: splitLine,
        },
        series: data.lines.map((l) => ({
          type: "line",
          name: l.name,
          data: l.values,
          connectNulls: false,
          symbolSize: 7,
        })),
      });
    }
  }
})();
