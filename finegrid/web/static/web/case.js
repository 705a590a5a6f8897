// Staff pages: the case's map, forms that submit once, and countdowns that keep counting.
(function () {
  "use strict";

  // A form marked data-once submits once: a double click never files or acts twice.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-once")) return;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    for (const button of form.querySelectorAll("button[type=submit]")) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    }
  });

  // Filing: offer only the chosen category's filing rules, the first one chosen.
  for (const category of document.querySelectorAll("select[name=category]")) {
    const rules = category.form && category.form.querySelector("select[name=filing_rule]");
    if (!rules) continue;
    const narrow = () => {
      let first = null;
      for (const option of rules.options) {
        const mine = !option.value || option.dataset.category === category.value;
        option.hidden = !mine;
        option.disabled = !mine;
        if (mine && option.value && !first) first = option;
      }
      if (rules.selectedOptions.length === 0 || rules.selectedOptions[0].disabled || !rules.value) {
        if (first) rules.value = first.value;
      }
    };
    category.addEventListener("change", () => { rules.value = ""; narrow(); });
    narrow();
  }

  // The case's place: a marker on the configured tiles, or on a plain background without them.
  const el = document.getElementById("case-map");
  if (el && window.L) {
    const lat = parseFloat(el.dataset.lat);
    const lon = parseFloat(el.dataset.lon);
    const map = L.map(el, { zoomControl: true }).setView([lat, lon], 17);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
    }
    const outline = document.getElementById("grid-outline");
    const grid = outline ? JSON.parse(outline.textContent) : null;
    if (grid) {
      L.geoJSON(grid, { style: { color: "#1d4ed8", weight: 2, fillOpacity: 0.05 }, interactive: false }).addTo(map);
    }
    L.circleMarker([lat, lon], { radius: 9, color: "#b91c1c", weight: 3, fillOpacity: 0.5 }).addTo(map);
  }
})();
