// The public map: recent reports as coloured points (category, status, date, street), and the
// same list as a table for keyboards and screen readers.
(function () {
  "use strict";
  const el = document.getElementById("public-map");
  const data = el.dataset;
  const map = window.FinegridPortal.baseMap(el);
  const colours = { new: "#1d4ed8", open: "#b45309", done: "#15803d", ended: "#6b7280" };
  const rows = document.getElementById("report-rows");
  const count = document.getElementById("map-count");

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  // Resolved points are drawn first and smaller, so that open problems stay visible on top.
  const order = { done: 0, ended: 0, open: 1, new: 2 };
  const layers = { new: L.layerGroup(), open: L.layerGroup(), done: L.layerGroup() };

  fetch(data.reportsUrl)
    .then((r) => r.json())
    .then((fc) => {
      const features = fc.features.slice().sort(
        (a, b) => (order[a.properties.stage] || 0) - (order[b.properties.stage] || 0)
      );
      for (const feature of features) {
        const p = feature.properties;
        const [lon, lat] = feature.geometry.coordinates;
        const done = p.stage === "done" || p.stage === "ended";
        const point = L.circleMarker([lat, lon], {
          radius: done ? 5 : 7,
          color: "#fff",
          weight: 1.5,
          fillColor: colours[p.stage] || colours.open,
          fillOpacity: done ? 0.75 : 0.95,
        });
        const box = document.createElement("div");
        const title = document.createElement("strong");
        title.textContent = p.category || data.labelUncategorised;
        const line = document.createElement("div");
        line.textContent = [p.status, p.date, p.street].filter(Boolean).join(" · ");
        box.append(title, line);
        point.bindPopup(box);
        point.addTo(layers[done ? "done" : p.stage] || layers.open);
      }
      for (const layer of Object.values(layers)) layer.addTo(map);
      count.textContent = data.labelCount.replace("{count}", fc.features.length);
      rows.replaceChildren(
        ...fc.features.map((f) => {
          const p = f.properties;
          const tr = document.createElement("tr");
          tr.append(cell(p.date), cell(p.category || data.labelUncategorised), cell(p.street), cell(p.status));
          return tr;
        })
      );
    })
    .catch(() => {});

  // The legend's checkboxes show or hide each kind of point.
  for (const box of document.querySelectorAll(".legend input[type=checkbox]")) {
    box.addEventListener("change", () => {
      const layer = layers[box.value];
      if (box.checked) layer.addTo(map);
      else layer.remove();
    });
  }
})();
