// The staff map: area outlines, unit grids loaded for the visible box, and a click that names the grid.
(function () {
  "use strict";
  const el = document.getElementById("map");
  const data = el.dataset;
  const bounds = JSON.parse(document.getElementById("map-bounds").textContent);
  const status = document.getElementById("map-status");
  const map = L.map(el, { preferCanvas: true, zoomSnap: 0.5 });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.attribution }).addTo(map);
  }
  const styles = {
    district: { color: "#0f2a5f", weight: 3, fill: false },
    street: { color: "#1d4ed8", weight: 2, fill: false, dashArray: "6 4" },
    community: { color: "#64748b", weight: 1, fill: false },
  };
  const layers = {};
  for (const level of ["district", "street", "community"]) {
    layers[level] = L.geoJSON(null, { style: styles[level], interactive: false }).addTo(map);
    fetch(`${data.areasUrl}?level=${level}`).then((r) => r.json()).then((fc) => layers[level].addData(fc));
  }
  const grids = L.geoJSON(null, {
    style: { color: "#16a34a", weight: 0.6, fillOpacity: 0.04 },
    interactive: false,
  }).addTo(map);
  L.control.layers(null, {
    [data.labelDistrict]: layers.district,
    [data.labelStreet]: layers.street,
    [data.labelCommunity]: layers.community,
    [data.labelGrid]: grids,
  }).addTo(map);

  let pending = null;
  function loadGrids() {
    if (map.getZoom() < 15) {
      grids.clearLayers();
      status.textContent = data.labelZoom;
      return;
    }
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",");
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(`${data.gridsUrl}?bbox=${bbox}`, { signal: pending.signal })
      .then((r) => r.json())
      .then((fc) => {
        grids.clearLayers();
        grids.addData(fc);
        status.textContent = `${data.labelGrid}: ${fc.features.length}`;
      })
      .catch(() => {});
  }
  map.on("moveend", loadGrids);

  let marker = null;
  map.on("click", (event) => {
    const { lat, lng } = event.latlng;
    fetch(`${data.locateUrl}?lon=${lng.toFixed(7)}&lat=${lat.toFixed(7)}`)
      .then((r) => r.json())
      .then((body) => {
        let html;
        if (body.error) {
          html = `<p class="error">${body.error.message}</p>`;
        } else {
          const row = (label, value) => `<tr><th>${label}</th><td>${value || "—"}</td></tr>`;
          html = "<table class=\"popup\">" +
            row(data.labelGrid, body.grid && body.grid.code) +
            row(data.labelCommunity, body.community && body.community.name) +
            row(data.labelStreet, body.street && body.street.name) +
            row(data.labelDistrict, body.district && body.district.name) +
            row(data.labelInspectors, body.grid && body.grid.inspectors.join("、")) +
            row(data.labelUnit, body.grid && body.grid.responsible_unit) + "</table>";
        }
        if (marker) marker.remove();
        marker = L.marker(event.latlng).addTo(map).bindPopup(html).openPopup();
        if (body.grid && body.grid.boundary) {
          const outline = L.geoJSON(body.grid.boundary, { style: { color: "#dc2626", weight: 2 } }).addTo(map);
          marker.on("popupclose", () => outline.remove());
        }
      });
  });

  if (bounds) {
    map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]]);
  } else {
    map.setView([33.0, 116.9], 12);
  }
})();
