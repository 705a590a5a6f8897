// "My reports": the tracking codes of this browser's reports, kept in localStorage for convenience
// (nothing is sent anywhere). A report page adds its code; the home and track pages list them.
(function () {
  "use strict";
  const KEY = "finegrid.myReports";

  function load() {
    try {
      const list = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter((r) => r && typeof r.code === "string") : [];
    } catch (e) {
      return [];
    }
  }

  function save(list) {
    try {
      localStorage.setItem(KEY, JSON.stringify(list.slice(0, 50)));
      return true;
    } catch (e) {
      return false; // private mode or storage full: the code is still on screen
    }
  }

  function remember(el) {
    const entry = {
      code: el.dataset.code,
      caseNo: el.dataset.caseNo,
      date: el.dataset.date,
      summary: el.dataset.summary || "",
    };
    const list = load().filter((r) => r.code !== entry.code);
    list.unshift(entry);
    return save(list);
  }

  const reported = document.getElementById("reported");
  if (reported && remember(reported)) {
    const note = document.getElementById("saved-note");
    if (note) note.hidden = false;
  }
  const tracked = document.getElementById("tracked");
  if (tracked && load().some((r) => r.code === tracked.dataset.code)) {
    remember(tracked); // refresh what is known of one already saved; never add a stranger's
  }

  const copy = document.getElementById("copy-code");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", () => {
      const code = document.getElementById("code-value").textContent.trim();
      navigator.clipboard.writeText(code).then(() => {
        copy.textContent = copy.dataset.done;
      });
    });
  }

  const section = document.getElementById("my-reports");
  if (!section) return;
  function render() {
    const list = load();
    section.hidden = list.length === 0;
    const ul = section.querySelector(".my-list");
    ul.replaceChildren(
      ...list.map((r) => {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = section.dataset.trackUrl.replace("CODE", encodeURIComponent(r.code));
        a.textContent = `${r.code.slice(0, 4)}-${r.code.slice(4)}`;
        a.className = "mono";
        const meta = document.createElement("span");
        meta.className = "muted";
        meta.textContent = [r.date, r.summary].filter(Boolean).join(" · ");
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link";
        remove.textContent = section.dataset.labelRemove;
        remove.setAttribute("aria-label", `${section.dataset.labelRemove} ${a.textContent}`);
        remove.addEventListener("click", () => {
          save(load().filter((x) => x.code !== r.code));
          render();
        });
        li.append(a, " ", meta, " ", remove);
        return li;
      })
    );
  }
  render();
})();
