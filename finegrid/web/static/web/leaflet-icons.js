// Leaflet finds its marker images by cutting "marker-icon.png" off a CSS url; our static files
// carry a content hash in their names, so give it the real URLs instead (from this tag's data).
(function () {
  "use strict";
  const tag = document.currentScript;
  if (!tag || !window.L) return;
  L.Icon.Default.imagePath = "";
  L.Icon.Default.mergeOptions({
    iconUrl: tag.dataset.icon,
    iconRetinaUrl: tag.dataset.icon2x,
    shadowUrl: tag.dataset.shadow,
  });
})();
