// The report form: a pin placed by tap, drag, GPS or the map centre; the community it falls in;
// a category filter; the chosen photos listed; and one submission per click.
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  const el = document.getElementById("pick-map");
  const data = el.dataset;
  const fields = {
    lon: document.getElementById("id_lon"),
    lat: document.getElementById("id_lat"),
    crs: document.getElementById("id_crs"),
  };
  const place = document.getElementById("location-place");
  const map = window.FinegridPortal.baseMap(el);
  let marker = null;
  let asked = 0;

  function showPin(latlng) {
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = L.marker(latlng, { draggable: true, autoPan: true, title: data.labelChosen }).addTo(map);
      marker.on("dragend", () => choose(marker.getLatLng()));
    }
  }

  // Asks the server which community a point is in; `crs` is the system the point is given in.
  function describe(lon, lat, crs, moveTo) {
    const ticket = ++asked;
    place.textContent = data.labelChecking;
    place.classList.remove("error");
    const query = new URLSearchParams({ lon: lon, lat: lat, crs: crs });
    fetch(`${data.locateUrl}?${query}`)
      .then((r) => r.json())
      .then((body) => {
        if (ticket !== asked) return; // a newer pin was placed meanwhile
        if (body.error) {
          place.textContent = body.error.message;
          place.classList.add("error");
          return;
        }
        place.textContent = `${data.labelChosen}：${body.place}`;
        if (moveTo) {
          const latlng = L.latLng(body.display[1], body.display[0]);
          showPin(latlng);
          map.setView(latlng, Math.max(map.getZoom(), 16));
        }
      })
      .catch(() => {});
  }

  // A point on the map is in the tiles' system. A first tap on the whole city is rough: zoom in
  // on it so that the pin can be dragged to the right spot.
  function choose(latlng) {
    showPin(latlng);
    if (map.getZoom() < 15) map.setView(latlng, 16);
    fields.lon.value = latlng.lng.toFixed(7);
    fields.lat.value = latlng.lat.toFixed(7);
    fields.crs.value = data.tileCrs;
    describe(fields.lon.value, fields.lat.value, data.tileCrs, false);
  }

  map.on("click", (event) => choose(event.latlng));
  document.getElementById("use-centre").addEventListener("click", () => choose(map.getCenter()));

  const gps = document.getElementById("use-gps");
  if (!("geolocation" in navigator)) {
    gps.hidden = true;
  }
  gps.addEventListener("click", () => {
    place.textContent = data.labelLocating;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        // The phone's GPS speaks WGS-84; the server shifts it onto the tiles for the pin.
        fields.lon.value = position.coords.longitude.toFixed(7);
        fields.lat.value = position.coords.latitude.toFixed(7);
        fields.crs.value = "wgs84";
        describe(fields.lon.value, fields.lat.value, "wgs84", true);
      },
      () => {
        place.textContent = data.labelNoGps;
        place.classList.add("error");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  const pin = JSON.parse(document.getElementById("pin").textContent);
  if (pin) {
    const latlng = L.latLng(pin[1], pin[0]);
    showPin(latlng);
    map.setView(latlng, 16);
  }

  // Category filter: rebuild the options (hiding <option> does not work on iOS).
  const select = document.getElementById("id_category");
  const search = document.getElementById("category-search");
  if (select && search) {
    search.hidden = false;
    const groups = Array.from(select.children).map((node) => node.cloneNode(true));
    search.addEventListener("input", () => {
      const words = search.value.trim().toLowerCase();
      const chosen = select.value;
      select.replaceChildren();
      for (const node of groups) {
        if (node.tagName === "OPTION") {
          select.appendChild(node.cloneNode(true));
          continue;
        }
        const group = node.cloneNode(false);
        for (const option of node.children) {
          const hit = !words || option.textContent.toLowerCase().includes(words) ||
            node.label.toLowerCase().includes(words);
          if (hit) group.appendChild(option.cloneNode(true));
        }
        if (group.children.length) select.appendChild(group);
      }
      select.value = chosen;
      if (select.value !== chosen) select.value = "";
    });
  }

  // The chosen photos, by name, so the citizen sees what will be sent; too many or too large is
  // said here and then, because a request over the server's size limit cannot come back as a form.
  const photos = document.getElementById("id_photos");
  const names = document.getElementById("photo-names");
  let photoProblem = "";
  function checkPhotos() {
    const files = Array.from(photos.files);
    const maxCount = Number(form.dataset.maxPhotos);
    const maxBytes = Number(form.dataset.maxPhotoBytes);
    photoProblem = files.length > maxCount ? form.dataset.labelTooMany :
      files.some((file) => file.size > maxBytes) ? form.dataset.labelTooBig : "";
    const items = files.map((file) => {
      const li = document.createElement("li");
      li.textContent = `${file.name} (${Math.ceil(file.size / 1024)} KB)`;
      return li;
    });
    if (photoProblem) {
      const li = document.createElement("li");
      li.className = "error";
      li.setAttribute("role", "alert");
      li.textContent = photoProblem;
      items.unshift(li);
    }
    names.replaceChildren(...items);
    const kept = document.getElementById("photos-kept"); // "choose the photos again": done
    if (kept) kept.hidden = true;
    photos.setAttribute("aria-invalid", photoProblem ? "true" : "false");
  }
  if (photos && names) photos.addEventListener("change", checkPhotos);

  // One submission per click; the server's one-time token covers what slips through.
  const submit = document.getElementById("submit");
  form.addEventListener("submit", (event) => {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    if (photoProblem) {
      event.preventDefault();
      photos.focus();
      return;
    }
    form.dataset.sent = "1";
    submit.setAttribute("aria-disabled", "true");
    submit.textContent = form.dataset.submitting;
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      delete form.dataset.sent;
      submit.removeAttribute("aria-disabled");
    }
  });

  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
