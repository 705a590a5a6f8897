// The inspector's pages (/m/): maps of my grids, the phone's position, the category finder,
// photo previews, and one submission per tap. Every page works without it; this makes it quick.
(function () {
  "use strict";
  const root = document.getElementById("m");
  if (!root || !window.L) return;
  const data = root.dataset;
  const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
  const lightColour = { green: "#16a34a", yellow: "#ca8a04", red: "#dc2626" };

  // --- maps and places ---------------------------------------------------------------------------

  function makeMap(el) {
    const map = L.map(el, { zoomSnap: 0.5 });
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.attribution }).addTo(map);
    }
    const bounds = document.getElementById("m-bounds");
    if (bounds) {
      const b = JSON.parse(bounds.textContent);
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [8, 8] });
    } else {
      map.setView([33.0, 116.9], 13);
    }
    const grids = L.geoJSON(null, {
      style: { color: "#15803d", weight: 1, fillColor: "#22c55e", fillOpacity: 0.06 },
      interactive: false,
    }).addTo(map);
    fetch(data.gridsUrl, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((fc) => grids.addData(fc))
      .catch(() => {});
    return map;
  }

  function meIcon() {
    return L.divIcon({ className: "m-me", iconSize: [16, 16] });
  }

  // Where a point is, in words, and where to draw it on these tiles.
  function describe(lon, lat, crs) {
    const query = new URLSearchParams({ lon: String(lon), lat: String(lat), crs: crs });
    return fetch(`${data.locateUrl}?${query}`, { credentials: "same-origin" }).then((r) => r.json());
  }

  function phonePosition(onFix, onFail) {
    if (!navigator.geolocation) {
      onFail(data.labelNoGeolocation);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => onFix(p.coords.longitude, p.coords.latitude, p.coords.accuracy),
      () => onFail(data.labelNoLocation),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
    );
  }

  function say(text, isError) {
    const where = document.getElementById("m-where");
    if (!where) return;
    where.textContent = text;
    where.classList.toggle("is-error", Boolean(isError));
  }

  function accuracyText(accuracy) {
    return accuracy ? " · " + fmt(data.labelAccuracy, { m: Math.round(accuracy) }) : "";
  }

  // --- home: grids, tasks and me ------------------------------------------------------------------

  function homePage(el) {
    const map = makeMap(el);
    const taskLayer = L.layerGroup().addTo(map);
    const tasksPath = (document.getElementById("m-tasks") || { dataset: {} }).dataset.url || "";
    function drawTasks() {
      taskLayer.clearLayers();
      for (const a of document.querySelectorAll(".m-task[data-lon]")) {
        const colour = lightColour[a.dataset.light] || "#6b7280";
        L.circleMarker([+a.dataset.lat, +a.dataset.lon], {
          radius: 9, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1,
        })
          .bindPopup(`<a href="${a.getAttribute("href")}">${a.dataset.label}</a>`)
          .addTo(taskLayer);
      }
    }
    drawTasks();
    // A refresh after the session ended would swap the login page into the list: load it whole.
    document.body.addEventListener("htmx:beforeSwap", (event) => {
      const xhr = event.detail.xhr;
      if (event.detail.target.id === "m-tasks" && xhr && !xhr.responseURL.includes(tasksPath)) {
        event.detail.shouldSwap = false;
        window.location.reload();
      }
    });
    document.body.addEventListener("htmx:afterSettle", (event) => {
      if (event.target && event.target.id === "m-tasks") drawTasks();
    });
    say(data.labelLocating);
    phonePosition(
      (lon, lat, accuracy) => {
        describe(lon, lat, "wgs84").then((body) => {
          if (body.display) {
            const at = [body.display[1], body.display[0]];
            L.marker(at, { icon: meIcon(), title: data.labelMe, keyboard: false }).addTo(map);
            if (!map.getBounds().contains(at)) map.fitBounds(map.getBounds().extend(at));
          }
          say((body.error || body.label) + accuracyText(accuracy), Boolean(body.error));
        });
        const tasks = document.getElementById("m-tasks");
        if (tasks && window.htmx) {
          const query = new URLSearchParams({ lon: lon.toFixed(7), lat: lat.toFixed(7), crs: "wgs84" });
          htmx.ajax("GET", `${tasks.dataset.url}?${query}`, { target: "#m-tasks", swap: "outerHTML" });
        }
      },
      (message) => say(message, true),
    );
  }

  // --- report: the place ---------------------------------------------------------------------------

  function reportPage(el) {
    const map = makeMap(el);
    const lon = document.getElementById("id_lon");
    const lat = document.getElementById("id_lat");
    const crs = document.getElementById("id_crs");
    let marker = null;
    let accuracy = null;

    function show() {
      if (!lon.value || !lat.value) return;
      describe(lon.value, lat.value, crs.value).then((body) => {
        if (body.display) {
          const at = [body.display[1], body.display[0]];
          if (marker) marker.setLatLng(at);
          else marker = L.marker(at, { keyboard: false }).addTo(map);
          map.setView(at, Math.max(map.getZoom(), 17));
        }
        say((body.error || body.label) + accuracyText(accuracy), Boolean(body.error));
      });
    }
    function fromPhone() {
      say(data.labelLocating);
      phonePosition(
        (x, y, metres) => {
          lon.value = x.toFixed(7);
          lat.value = y.toFixed(7);
          crs.value = "wgs84";
          accuracy = metres;
          show();
        },
        (message) => say(message, true),
      );
    }
    map.on("click", (event) => {
      // A tap is in the tiles' coordinate system; the server converts it like any other input.
      lon.value = event.latlng.lng.toFixed(7);
      lat.value = event.latlng.lat.toFixed(7);
      crs.value = data.tileCrs || "wgs84";
      accuracy = null;
      show();
    });
    for (const input of [lon, lat, crs]) input.addEventListener("change", () => { accuracy = null; show(); });
    document.getElementById("m-relocate").addEventListener("click", fromPhone);
    if (lon.value && lat.value) show(); // a page opened with a place (WeChat), or sent back with errors
    else fromPhone();
  }

  // --- report: the category finder -----------------------------------------------------------------

  function categoryFinder() {
    const fieldset = document.getElementById("f-category");
    if (!fieldset) return;
    const select = document.getElementById("id_category");
    const finder = document.getElementById("m-finder");
    const search = document.getElementById("m-cat-search");
    const tags = Array.from(fieldset.querySelectorAll(".m-tag"));
    const none = document.getElementById("m-cats-none");
    const count = document.getElementById("m-cats-count");
    const chosen = document.getElementById("m-chosen");
    const chosenName = document.getElementById("m-chosen-name");
    const list = document.getElementById("m-cats");

    // The select stays the form's field; the list of buttons only sets its value.
    const rows = Array.from(select.querySelectorAll("option[value]"))
      .filter((o) => o.value)
      .map((option) => {
        const group = option.parentElement.label || "";
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "m-cat";
        button.setAttribute("aria-pressed", "false");
        const name = document.createElement("span");
        name.className = "m-cat-name";
        name.textContent = option.textContent;
        const meta = document.createElement("span");
        meta.className = "m-cat-meta";
        meta.textContent = `${group} · ${option.dataset.code}`;
        button.append(name, meta);
        button.addEventListener("click", () => choose(option));
        li.append(button);
        return { option, li, button, text: `${option.textContent} ${option.dataset.code} ${group}`.toLowerCase(), tags: option.dataset.tags.split(" ") };
      });
    list.replaceChildren(...rows.map((r) => r.li));

    function filter() {
      const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      const pressed = tags.find((t) => t.getAttribute("aria-pressed") === "true");
      let shown = 0;
      for (const row of rows) {
        const ok = words.every((w) => row.text.includes(w)) &&
          (!pressed || row.tags.includes(pressed.dataset.tag));
        row.li.hidden = !ok;
        if (ok) shown += 1;
      }
      none.hidden = shown > 0;
      count.textContent = fmt(list.dataset.labelCount, { n: shown });
      return rows.filter((r) => !r.li.hidden);
    }
    function show(picked) {
      for (const row of rows) row.button.setAttribute("aria-pressed", String(row.option === picked));
      chosen.hidden = !picked;
      fieldset.classList.toggle("is-chosen", Boolean(picked));
      if (picked) chosenName.textContent = picked.textContent;
    }
    function choose(option) {
      select.value = option.value;
      show(option);
      document.getElementById("m-change").focus();
    }
    search.addEventListener("input", filter);
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter in the search box never sends the report
      const visible = filter();
      if (visible.length === 1) choose(visible[0].option);
    });
    for (const tag of tags) {
      tag.addEventListener("click", () => {
        const on = tag.getAttribute("aria-pressed") !== "true";
        for (const t of tags) t.setAttribute("aria-pressed", "false");
        tag.setAttribute("aria-pressed", String(on));
        filter();
      });
    }
    for (const chip of fieldset.querySelectorAll("[data-pick]")) {
      const option = rows.find((r) => r.option.value === chip.dataset.pick);
      if (option) chip.addEventListener("click", () => choose(option.option));
    }
    document.getElementById("m-change").addEventListener("click", () => {
      fieldset.classList.remove("is-chosen");
      chosen.hidden = true;
      search.focus();
    });
    for (const el of fieldset.querySelectorAll(".m-plain")) el.hidden = true;
    finder.hidden = false;
    filter();
    const current = rows.find((r) => r.option.value && r.option.value === select.value);
    show(current ? current.option : null);
  }

  // --- photos: previews, and bad files caught before they travel ----------------------------------

  function photoPicker() {
    const input = document.getElementById("id_photos");
    if (!input) return;
    const previews = document.getElementById("m-previews");
    const message = document.getElementById("m-photo-msg");
    const d = input.dataset;
    const room = () => Number(d.max) - Number(d.kept);
    const canEdit = typeof DataTransfer === "function";
    let chosen = []; // {file, url}

    function sync() {
      if (canEdit) {
        const transfer = new DataTransfer();
        for (const c of chosen) transfer.items.add(c.file);
        input.files = transfer.files;
      }
      previews.replaceChildren(...chosen.map((c, i) => {
        const li = document.createElement("li");
        const box = document.createElement("div");
        box.className = "m-thumb";
        const img = document.createElement("img");
        img.src = c.url;
        img.alt = c.file.name;
        box.append(img);
        if (canEdit) {
          const remove = document.createElement("button");
          remove.type = "button";
          remove.className = "m-btn m-btn-small";
          remove.textContent = d.labelRemove;
          remove.setAttribute("aria-label", `${d.labelRemove} ${c.file.name}`);
          remove.addEventListener("click", () => {
            URL.revokeObjectURL(c.url);
            chosen.splice(i, 1);
            sync();
          });
          box.append(remove);
        }
        li.append(box);
        return li;
      }));
    }
    function decodes(url) {
      return new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve(true);
        img.onerror = () => resolve(false);
        img.src = url;
      });
    }
    input.addEventListener("change", async () => {
      const problems = [];
      const picked = Array.from(input.files);
      if (!canEdit) chosen = [];
      for (const file of picked) {
        if (chosen.some((c) => c.file === file)) continue;
        if (file.size > Number(d.maxBytes)) {
          problems.push(fmt(d.labelBig, { name: file.name, mb: Math.floor(d.maxBytes / 1048576) }));
          continue;
        }
        const url = URL.createObjectURL(file);
        if (!(await decodes(url))) {
          URL.revokeObjectURL(url);
          problems.push(fmt(d.labelBad, { name: file.name }));
          continue;
        }
        if (chosen.length >= room()) {
          URL.revokeObjectURL(url);
          problems.push(fmt(d.labelMany, { max: d.max }));
          break;
        }
        chosen.push({ file, url });
      }
      message.hidden = problems.length === 0;
      message.textContent = problems.join("；");
      sync();
    });
  }

  // --- one submission per tap ----------------------------------------------------------------------

  function oneTap(form) {
    const button = form.querySelector("button[type=submit]");
    const label = button.textContent;
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      button.setAttribute("aria-busy", "true");
      button.textContent = button.dataset.busy;
    });
    // Back from the next page (the browser's page cache): ready again, the server still guards.
    window.addEventListener("pageshow", () => {
      delete form.dataset.sent;
      button.removeAttribute("aria-busy");
      button.textContent = label;
    });
  }

  function casePage(el) {
    const map = makeMap(el);
    const at = [Number(el.dataset.pinLat), Number(el.dataset.pinLon)];
    L.marker(at, { keyboard: false }).addTo(map);
    map.setView(at, 17);
  }

  const mapEl = document.getElementById("m-map");
  const page = mapEl ? mapEl.dataset.page : "";
  const report = document.getElementById("m-report");
  if (page === "home") homePage(mapEl);
  if (report) {
    reportPage(mapEl);
    categoryFinder();
  }
  if (page === "case") casePage(mapEl);
  photoPicker();
  for (const form of document.querySelectorAll("form.m-form")) oneTap(form);
  const errors = document.getElementById("m-errors") || document.getElementById("m-stale");
  if (errors) errors.focus();
})();
