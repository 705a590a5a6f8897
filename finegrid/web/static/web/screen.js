// The command-centre screen: draws the figures embedded in the page, then fetches them again every
// few seconds and redraws in place (charts animate, the map swaps its layers; no page reload).
// Numbers and times are formatted for the page's language and the city's time zone.
(function () {
  "use strict";

  const json = (id) => JSON.parse(document.getElementById(id).textContent);
  const config = json("screen-config");
  const bounds = json("screen-bounds");
  const labels = document.getElementById("screen-labels").dataset;
  const lang = document.documentElement.lang || "zh-hans";
  const english = lang.toLowerCase().startsWith("en");
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  const GROUP_COLORS = {
    intake: color("--g-intake"),
    dispatch: color("--g-dispatch"),
    disposing: color("--g-disposing"),
    checking: color("--g-checking"),
    suspended: color("--g-suspended"),
  };
  const OVERDUE = color("--g-overdue");
  const INK = color("--ink");
  const MUTED = color("--muted");
  const ACCENT = color("--accent");
  const FONT = getComputedStyle(document.body).fontFamily;

  const number = new Intl.NumberFormat(lang);
  const percent = new Intl.NumberFormat(lang, {
    style: "percent",
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_m, key) => values[key]);
  const rem = () => parseFloat(getComputedStyle(document.documentElement).fontSize);

  let data = json("screen-data");
  let level = "street";

  // --- the header: clock and last refresh --------------------------------------------------------

  const clock = document.getElementById("screen-clock");
  const refresh = document.getElementById("screen-refresh");
  const refreshText = document.getElementById("screen-refresh-text");
  // The city's zone, not the browser's: a display in another zone still shows the city's time.
  const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeZone: data.time_zone });
  const timeFormat = new Intl.DateTimeFormat(lang, {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZone: data.time_zone,
  });
  function tick() {
    const now = new Date();
    clock.textContent = `${dateFormat.format(now)} ${timeFormat.format(now)}`;
  }
  function showFresh() {
    refresh.classList.remove("stale");
    refreshText.textContent = `${labels.updated} ${timeFormat.format(new Date(data.generated_at))}`;
  }
  function showStale() {
    refresh.classList.add("stale");
    refreshText.textContent = `${labels.stale} ${timeFormat.format(new Date(data.generated_at))}`;
  }

  document.getElementById("screen-fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });

  // --- key figures -------------------------------------------------------------------------------

  const dig = (object, path) => path.split(".").reduce((o, k) => (o == null ? o : o[k]), object);

  function drawFigures() {
    const open = data.status_groups.reduce((sum, g) => sum + g.count, 0);
    const values = { ...data, open: open };
    for (const el of document.querySelectorAll("[data-figure]")) {
      const value = dig(values, el.dataset.figure);
      el.textContent = value == null ? "—" : number.format(value);
      el.classList.toggle("zero", value === 0);
    }
    for (const el of document.querySelectorAll("[data-rate]")) {
      const rate = data.rates[el.dataset.rate];
      el.textContent = rate.rate == null ? "—" : percent.format(rate.rate);
    }
    for (const el of document.querySelectorAll("[data-rate-detail]")) {
      const rate = data.rates[el.dataset.rateDetail];
      el.textContent = fill(labels.rateTemplate, {
        on_time: number.format(rate.on_time),
        total: number.format(rate.total),
      });
    }
  }

  // --- rankings ----------------------------------------------------------------------------------

  const rankTemplate = document.getElementById("rank-template");

  function row(name, value, detail) {
    const li = document.createElement("li");
    const n = document.createElement("span");
    n.className = "name";
    n.textContent = name;
    n.title = name;
    const v = document.createElement("span");
    v.className = "value";
    v.textContent = value;
    if (detail) {
      const small = document.createElement("small");
      small.textContent = detail;
      v.append(small);
    }
    li.append(n, v);
    return li;
  }

  function empty(text) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = text;
    return li;
  }

  function drawRanking(container, ranking) {
    const body = rankTemplate.content.cloneNode(true);
    const byRate = body.querySelector(".by-rate");
    for (const r of ranking.by_rate) {
      byRate.append(
        row(r.name, percent.format(r.rate), `${number.format(r.on_time)}/${number.format(r.total)}`)
      );
    }
    if (!ranking.by_rate.length) byRate.append(empty(labels.none));
    const byOverdue = body.querySelector(".by-overdue");
    for (const r of ranking.by_overdue) {
      byOverdue.append(row(r.name, number.format(r.count)));
    }
    if (!ranking.by_overdue.length) byOverdue.append(empty(labels.noOverdue));
    container.replaceChildren(body);
  }

  function drawRankings() {
    const areas = document.querySelector(".panel-areas .ranks");
    drawRanking(areas, data.rankings[level]);
    drawRanking(document.querySelector(".panel-departments .ranks"), data.rankings.department);
    for (const note of document.querySelectorAll(".ranks-note")) {
      note.textContent = fill(labels.minRated, { n: number.format(data.min_rated) });
    }
  }

  for (const button of document.querySelectorAll(".switch button")) {
    button.addEventListener("click", () => {
      level = button.dataset.level;
      for (const b of document.querySelectorAll(".switch button")) {
        b.setAttribute("aria-pressed", String(b === button));
      }
      drawRankings();
    });
  }

  // --- charts ------------------------------------------------------------------------------------

  const charts = {};
  for (const name of ["tags", "categories", "status"]) {
    charts[name] = echarts.init(document.getElementById(`chart-${name}`), null, {
      renderer: "canvas",
    });
  }

  function text(size, extra) {
    return { color: INK, fontFamily: FONT, fontSize: Math.round(size * rem()), ...extra };
  }

  function drawCharts() {
    const tags = data.action_tags;
    // Chinese reads the seven characters as columns; English names are too long for that.
    const tagAxis = {
      type: "category",
      data: tags.map((t) => (english ? `${t.char} ${t.code}` : t.char)),
      inverse: english,
      axisLabel: text(english ? 0.95 : 1.5, { fontWeight: 700, interval: 0 }),
      axisLine: { show: !english, lineStyle: { color: MUTED } },
      axisTick: { show: false },
    };
    const valueAxis = { type: "value", show: false };
    charts.tags.setOption({
      animationDurationUpdate: 800,
      grid: english
        ? { left: "1%", right: "12%", top: "2%", bottom: "2%", containLabel: true }
        : { left: "2%", right: "2%", top: "16%", bottom: "2%", containLabel: true },
      tooltip: { trigger: "item", textStyle: text(0.9, { color: "#111" }) },
      xAxis: english ? valueAxis : tagAxis,
      yAxis: english ? tagAxis : valueAxis,
      series: [
        {
          type: "bar",
          barWidth: "55%",
          data: tags.map((t) => ({ value: t.count, name: t.description || t.char })),
          label: {
            show: true,
            position: english ? "right" : "top",
            formatter: (p) => number.format(p.value),
            ...text(1, { fontWeight: 700 }),
          },
          itemStyle: {
            borderRadius: english ? [0, 4, 4, 0] : [4, 4, 0, 0],
            color: new echarts.graphic.LinearGradient(0, 0, english ? 1 : 0, english ? 0 : 1, [
              { offset: 0, color: english ? "#1d4ed8" : ACCENT },
              { offset: 1, color: english ? ACCENT : "#1d4ed8" },
            ]),
          },
        },
      ],
    });

    const top = data.top_categories;
    charts.categories.setOption({
      animationDurationUpdate: 800,
      grid: { left: "1%", right: "12%", top: "1%", bottom: "1%", containLabel: true },
      tooltip: { trigger: "item", textStyle: text(0.9, { color: "#111" }) },
      xAxis: { type: "value", show: false },
      yAxis: {
        type: "category",
        inverse: true,
        data: top.map((c) => c.name),
        axisLabel: text(1, { width: 9 * rem(), overflow: "truncate" }),
        axisLine: { show: false },
        axisTick: { show: false },
      },
      series: [
        {
          type: "bar",
          barWidth: "58%",
          data: top.map((c) => c.count),
          label: {
            show: true,
            position: "right",
            formatter: (p) => number.format(p.value),
            ...text(1, { fontWeight: 700 }),
          },
          itemStyle: {
            borderRadius: [0, 4, 4, 0],
            color: new echarts.graphic.LinearGradient(0, 0, 1, 0, [
              { offset: 0, color: "#0e7490" },
              { offset: 1, color: ACCENT },
            ]),
          },
        },
      ],
      graphic: top.length
        ? []
        : [{ type: "text", left: "center", top: "middle", style: { text: labels.none, fill: MUTED, fontSize: rem() } }],
    }, { replaceMerge: ["graphic"] });

    const groups = data.status_groups;
    const open = groups.reduce((sum, g) => sum + g.count, 0);
    charts.status.setOption({
      animationDurationUpdate: 800,
      tooltip: { trigger: "item", textStyle: text(0.9, { color: "#111" }) },
      title: {
        text: number.format(open),
        subtext: labels.cases,
        left: "29%",
        top: "center",
        textAlign: "center",
        textStyle: text(1.6, { fontWeight: 700 }),
        subtextStyle: text(0.8, { color: MUTED }),
        itemGap: 2,
      },
      legend: {
        orient: "vertical",
        right: "2%",
        top: "middle",
        itemWidth: rem() * 0.8,
        itemHeight: rem() * 0.8,
        textStyle: text(0.95),
        formatter: (name) => {
          const g = groups.find((x) => x.label === name);
          return g ? `${name}  ${number.format(g.count)}` : name;
        },
      },
      series: [
        {
          type: "pie",
          radius: ["48%", "78%"],
          center: ["30%", "52%"],
          label: { show: false },
          itemStyle: { borderColor: "#0d1d35", borderWidth: 2 },
          data: groups.map((g) => ({
            name: g.label,
            value: g.count,
            itemStyle: { color: GROUP_COLORS[g.key] },
          })),
        },
      ],
    });
  }

  // --- the map -----------------------------------------------------------------------------------

  const mapEl = document.getElementById("screen-map");
  const map = L.map(mapEl, {
    preferCanvas: true,
    zoomSnap: 0.1,
    zoomControl: false,
    attributionControl: Boolean(mapEl.dataset.tileUrl),
  });
  L.control.zoom({ position: "bottomright" }).addTo(map);
  if (mapEl.dataset.tileUrl) {
    L.tileLayer(mapEl.dataset.tileUrl, {
      maxZoom: 19,
      attribution: mapEl.dataset.attribution,
    }).addTo(map);
  }
  const outlines = {
    street: L.geoJSON(null, {
      style: { color: "#3b6ea8", weight: 1, dashArray: "4 4", fill: false },
      interactive: false,
    }).addTo(map),
    district: L.geoJSON(null, {
      style: { color: "#7dd3fc", weight: 2.5, fillColor: "#0f2a4d", fillOpacity: 0.35 },
      interactive: false,
      onEachFeature: (feature, layer) =>
        layer.bindTooltip(feature.properties.name, {
          permanent: true,
          direction: "center",
          className: "area-label",
        }),
    }),
  };
  // Districts go under the streets' dashes: add them first, then bring the streets forward.
  outlines.district.addTo(map);
  for (const areaLevel of ["district", "street"]) {
    fetch(`${mapEl.dataset.areasUrl}?level=${areaLevel}`)
      .then((r) => r.json())
      .then((fc) => {
        outlines[areaLevel].addData(fc);
        outlines.street.bringToFront();
      })
      .catch(() => {});
  }
  const heat = L.heatLayer([], {
    radius: 18,
    blur: 22,
    minOpacity: 0.05,
    maxZoom: 15,
  }).addTo(map);
  const renderer = L.canvas({ padding: 0.3 });
  const live = L.layerGroup().addTo(map);
  L.control
    .layers(null, {
      [labels.live]: live,
      [labels.heat]: heat,
    }, { collapsed: true })
    .addTo(map);

  function popup(caseNo, label, overdue) {
    const box = document.createElement("div");
    const title = document.createElement("b");
    title.textContent = caseNo;
    box.append(title, document.createElement("br"), label);
    if (overdue) box.append(` · ${labels.overdue}`);
    return box;
  }

  function drawMap() {
    const groups = data.status_groups;
    live.clearLayers();
    const size = Math.max(4, rem() * 0.36);
    const points = data.live.points;
    // Overdue cases last, so they are drawn on top.
    const ordered = points.filter((p) => !p[3]).concat(points.filter((p) => p[3]));
    for (const [lat, lon, group, overdue, caseNo] of ordered) {
      const key = groups[group].key;
      L.circleMarker([lat, lon], {
        renderer: renderer,
        radius: overdue ? size * 1.35 : size,
        color: overdue ? OVERDUE : "#06101f",
        weight: overdue ? 3 : 1,
        fillColor: GROUP_COLORS[key],
        fillOpacity: 0.9,
      })
        .bindPopup(() => popup(caseNo, groups[group].label, overdue))
        .addTo(live);
    }
    // The heat scale: the 95th percentile, so that one busy corner does not wash out the rest.
    const counts = data.heat.points.map((p) => p[2]).sort((a, b) => a - b);
    const ceiling = counts.length ? counts[Math.floor((counts.length - 1) * 0.95)] : 1;
    heat.setOptions({ max: Math.max(2, ceiling) });
    heat.setLatLngs(data.heat.points);

    for (const g of groups) {
      const li = document.querySelector(`.map-legend li[data-group="${g.key}"]`);
      if (!li) continue;
      li.querySelector(".name").textContent = g.label;
      li.querySelector(".n").textContent = number.format(g.count);
    }
    document.getElementById("map-shown").textContent = fill(labels.shown, {
      days: number.format(data.live.days),
      shown: number.format(points.length),
      total: number.format(data.live.total),
    });
  }

  // The legend is drawn by the server with its labels, so its size is known before the first fit.
  function fit() {
    if (!bounds) {
      map.setView([33.0, 116.9], 12);
      return;
    }
    // Keep the scope clear of the legend in the top-left corner.
    const legend = document.getElementById("map-legend");
    map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], {
      paddingTopLeft: [16, legend.offsetTop + legend.offsetHeight + 8],
      paddingBottomRight: [16, 16],
    });
  }

  // The panel changes size when web fonts arrive or the window is resized: keep the scope fitted
  // until someone moves the map by hand.
  let movedByHand = false;
  for (const type of ["pointerdown", "wheel", "keydown"]) {
    mapEl.addEventListener(type, () => (movedByHand = true), { passive: true });
  }
  new ResizeObserver(() => {
    map.invalidateSize();
    if (!movedByHand) fit();
  }).observe(mapEl);

  // --- drawing and polling -----------------------------------------------------------------------

  function draw() {
    drawFigures();
    drawRankings();
    drawCharts();
    drawMap();
    showFresh();
  }

  async function poll() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 20000);
    try {
      const response = await fetch(config.dataUrl, {
        headers: { Accept: "application/json" },
        cache: "no-store",
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (response.status === 401) {
        window.location.reload(); // the session lapsed: the page itself redirects to the login form
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
      draw();
    } catch (_error) {
      showStale();
    } finally {
      clearTimeout(timer);
      setTimeout(poll, config.refreshSeconds * 1000);
    }
  }

  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      for (const chart of Object.values(charts)) chart.resize();
      drawCharts(); // font sizes follow the root size, which follows the window
    }, 200);
  });

  fit();
  draw();
  tick();
  setInterval(tick, 1000);
  setTimeout(poll, config.refreshSeconds * 1000);
})();
