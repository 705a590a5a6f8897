// The portal's base map: the configured tiles, or the city's area outlines on a plain background
// (an intranet without a tile server), framed on the city. Shared by the report and public maps.
(function () {
  "use strict";
  const styles = {
    district: { color: "#0b3d91", weight: 2.5, fill: false },
    street: { color: "#2563eb", weight: 1.5, fill: false, dashArray: "6 4" },
    community: { color: "#64748b", weight: 1, fill: false },
  };

  function baseMap(el) {
    const data = el.dataset;
    const map = L.map(el, { zoomSnap: 0.5, tap: true });
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.attribution }).addTo(map);
    } else {
      el.classList.add("plain");
      for (const level of ["district", "street", "community"]) {
        const layer = L.geoJSON(null, {
          style: styles[level],
          interactive: false,
        }).addTo(map);
        fetch(`${data.areasUrl}?level=${level}`)
          .then((r) => (r.ok ? r.json() : null))
          .then((fc) => {
            if (!fc) return;
            layer.addData(fc);
            if (level === "street") labelAreas(map, fc);
          })
          .catch(() => {});
      }
    }
    const boundsEl = document.getElementById("city-bounds");
    const bounds = boundsEl ? JSON.parse(boundsEl.textContent) : null;
    if (bounds) {
      map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]]);
    } else {
      map.setView([33.0, 116.9], 12);
    }
    return map;
  }

  // Street names at their centres, so that a plain map still says where one is.
  function labelAreas(map, fc) {
    for (const feature of fc.features) {
      const centre = L.geoJSON(feature).getBounds().getCenter();
      L.marker(centre, {
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: "area-label", html: "", iconSize: null }),
      })
        .addTo(map)
        .getElement().textContent = feature.properties.name;
    }
  }

  window.FinegridPortal = { baseMap };
})();
