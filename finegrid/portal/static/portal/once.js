// Forms marked "once": a second click while the first is on its way does nothing.
(function () {
  "use strict";
  for (const form of document.querySelectorAll("form.once")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      const button = form.querySelector("button[type=submit]");
      if (button) {
        button.setAttribute("aria-disabled", "true");
        button.textContent = form.dataset.submitting;
      }
    });
  }
})();
