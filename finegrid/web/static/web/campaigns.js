// The campaign pages: the round's results on a Leaflet map, the scoreboard's bar of weakest items
// (ECharts), and on the phone scoring page a "full marks" button, the photo's name and the position.
(function () {
  "use strict";

  const json = (id) => {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };
  const esc = (text) =>
    String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  // --- pickers that apply themselves ----------------------------------------------------------
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    for (const button of form.querySelectorAll("button[type=submit]")) button.hidden = true;
    form.addEventListener("change", () => (form.requestSubmit ? form.requestSubmit() : form.submit()));
  }

  // --- a round on the map ---------------------------------------------------------------------
  const mapEl = document.getElementById("round-map");
  const points = json("round-points");
  if (mapEl && points && window.L) {
    const data = mapEl.dataset;
    const map = L.map(mapEl, { zoomSnap: 0.5 });
    if (data.tileUrl) L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.attribution }).addTo(map);
    // District and street outlines place the sites where no tile server is reachable (an intranet).
    if (data.areasUrl) {
      const outline = {
        district: { color: "#0f2a5f", weight: 2.5, fill: false },
        street: { color: "#64748b", weight: 1, fill: false, dashArray: "4 4" },
      };
      for (const level of ["street", "district"]) {
        const areas = L.geoJSON(null, { style: outline[level], interactive: false }).addTo(map);
        fetch(`${data.areasUrl}?level=${level}`)
          .then((r) => (r.ok ? r.json() : { type: "FeatureCollection", features: [] }))
          .then((fc) => {
            areas.addData(fc);
            areas.bringToBack();
          });
      }
    }
    const colours = { pass: "#16a34a", fail: "#dc2626", partial: "#f59e0b", pending: "#94a3b8" };
    const layer = L.featureGroup().addTo(map);
    for (const p of points) {
      const failed = p.failed.length
        ? `<p><b>${esc(data.labelFailed)}</b></p><ul>${p.failed
            .map(
              (f) =>
                `<li>${f.number}. ${esc(f.standard)} (${esc(f.score)}/${esc(f.points)})` +
                (f.task ? ` <a href="${esc(f.task)}">${esc(data.labelTask)}</a>` : "") +
                (f.case ? ` <a href="${esc(f.case)}">${esc(data.labelCase)}</a>` : "") +
                "</li>"
            )
            .join("")}</ul>`
        : `<p>${esc(p.state === "pending" ? data.labelPending : data.labelNone)}</p>`;
      const html =
        `<div class="cg-popup"><p><b>${esc(p.name)}</b><br>${esc(p.type)} · ${esc(p.district)} ${esc(p.street)}</p>` +
        `<p>${esc(data.labelScore)}: ${esc(p.score)} / ${esc(p.max)} (${esc(p.rate)})</p>${failed}</div>`;
      L.circleMarker([p.lat, p.lon], {
        radius: 9,
        color: "#fff",
        weight: 2,
        fillColor: colours[p.state] || colours.pending,
        fillOpacity: 0.95,
      })
        .bindPopup(html)
        .bindTooltip(p.name)
        .addTo(layer);
    }
    if (points.length) {
      map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 16 });
    } else {
      map.setView([33.0, 116.9], 12);
    }
  }

  // --- the weakest items --------------------------------------------------------------------------
  const weak = json("weak-chart-data");
  const weakEl = document.getElementById("weak-chart");
  if (weak && weakEl && window.echarts) {
    const css = getComputedStyle(document.documentElement);
    const ink = css.getPropertyValue("--ink").trim() || "#1f2a37";
    const muted = css.getPropertyValue("--muted").trim() || "#6b7280";
    const font = getComputedStyle(document.body).fontFamily;
    weakEl.style.height = `${Math.max(240, weak.length * 28 + 60)}px`;
    const chart = echarts.init(weakEl, null, { renderer: "canvas" });
    chart.setOption({
      textStyle: { color: ink, fontFamily: font },
      grid: { left: 8, right: 48, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => (v == null ? "—" : `${v.toFixed(1)}%`) },
      xAxis: { type: "value", max: 100, axisLabel: { color: muted, formatter: "{value}%" } },
      yAxis: {
        type: "category",
        inverse: true,
        data: weak.map((w) => w.name),
        axisLabel: { color: ink, width: 220, overflow: "truncate" },
        axisTick: { show: false },
      },
      series: [
        {
          type: "bar",
          name: weakEl.dataset.labelRate,
          barMaxWidth: 18,
          data: weak.map((w) => ({
            value: w.rate,
            itemStyle: { color: w.rate < 60 ? "#b91c1c" : w.rate < 85 ? "#ca8a04" : "#15803d" },
          })),
          label: { show: true, position: "right", formatter: (p) => `${p.value.toFixed(1)}%`, color: ink },
        },
      ],
    });
    window.addEventListener("resize", () => chart.resize());
  }

  // --- the phone scoring page -----------------------------------------------------------------
  for (const button of document.querySelectorAll("button[data-full]")) {
    button.addEventListener("click", () => {
      const input = document.getElementById(button.dataset.target);
      if (input) input.value = button.dataset.full;
    });
  }
  for (const input of document.querySelectorAll(".cg-score input[type=file]")) {
    input.addEventListener("change", () => {
      const shown = document.querySelector(`.cg-photo-name[data-for="${input.id}"]`);
      if (shown) shown.textContent = input.files.length ? input.files[0].name : "";
    });
  }
  const lon = document.getElementById("cg-lon");
  const lat = document.getElementById("cg-lat");
  if (lon && lat && navigator.geolocation) {
    // GPS gives WGS-84, which is what scores are stored in.
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        lon.value = pos.coords.longitude.toFixed(7);
        lat.value = pos.coords.latitude.toFixed(7);
      },
      () => {},
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  // --- a form is sent once ----------------------------------------------------------------------
  for (const form of document.querySelectorAll("form[data-once]")) {
    // Disabled after the browser has read the form, so the pressed button's value is still sent.
    form.addEventListener("submit", () => {
      window.setTimeout(() => {
        for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = true;
      }, 0);
    });
  }
})();
