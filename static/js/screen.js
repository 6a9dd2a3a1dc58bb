// The meeting-room screen: a clock, and card titles legible from five metres that never shrink;
// phases and cards that do not fit are shown page by page on a timer, with a page indicator.
(function () {
  "use strict";

  const MIN_COLUMN_EMS = 10.5; // a column narrower than this many title sizes is unreadable

  function tick() {
    const clock = document.getElementById("screen-clock");
    if (!clock) return;
    const now = new Date();
    clock.textContent = now.toLocaleTimeString(document.documentElement.lang || "de", {
      hour: "2-digit",
      minute: "2-digit",
    });
    clock.setAttribute("datetime", now.toISOString());
  }

  // --- paging: large type that never shrinks; what does not fit comes page by page ------
  let pages = [];
  let current = 0;
  let timer = null;
  let seconds = 0;

  function boardView() {
    const view = document.getElementById("board-view");
    return view && view.classList.contains("screen-board") ? view : null;
  }

  function showOnly(phases, members) {
    phases.forEach(function (phase) { phase.hidden = members.indexOf(phase) < 0; });
  }

  function cardsOf(phase) {
    return Array.prototype.slice.call(phase.querySelectorAll(".card-item"));
  }

  function split(phase) {
    // The cards of one column, in pages of what fits under its header.
    const list = phase.querySelector(".phase__cards");
    const items = cardsOf(phase);
    items.forEach(function (item) { item.hidden = false; });
    const room = list.clientHeight;
    const gap = parseFloat(window.getComputedStyle(list).rowGap) || 0;
    const ranges = [];
    let start = 0;
    let used = 0;
    items.forEach(function (item, index) {
      const height = item.getBoundingClientRect().height;
      if (index > start && used + height > room + 1) {
        ranges.push([start, index]);
        start = index;
        used = 0;
      }
      used += height + gap;
    });
    if (items.length) ranges.push([start, items.length]);
    return ranges;
  }

  function paginate() {
    const view = boardView();
    if (!view) { stop(); return; }
    const board = view.querySelector(".board");
    const phases = Array.prototype.slice.call(view.querySelectorAll(".phase")).filter(function (phase) {
      return !phase.dataset.off;
    });
    if (!board || !phases.length) return;
    const em = parseFloat(window.getComputedStyle(view).fontSize);
    const fitting = Math.max(1, Math.floor(board.clientWidth / (MIN_COLUMN_EMS * em)));
    const groups = Math.ceil(phases.length / Math.min(fitting, phases.length));
    const size = Math.ceil(phases.length / groups);
    const found = [];
    for (let group = 0; group < groups; group += 1) {
      const members = phases.slice(group * size, (group + 1) * size);
      showOnly(phases, members);
      board.style.setProperty("--page-columns", String(members.length));
      const splits = members.map(split);
      const count = Math.max.apply(null, [1].concat(splits.map(function (s) { return s.length; })));
      for (let index = 0; index < count; index += 1) {
        found.push({ members: members, ranges: splits.map(function (s) { return s[index] || null; }), phases: phases });
      }
    }
    pages = found;
    if (current >= pages.length) current = 0;
    show();
    schedule(view);
  }

  function show() {
    const view = boardView();
    const page = pages[current];
    if (!view || !page) return;
    showOnly(page.phases, page.members);
    view.querySelector(".board").style.setProperty("--page-columns", String(page.members.length));
    page.members.forEach(function (phase, column) {
      const range = page.ranges[column];
      const items = cardsOf(phase);
      items.forEach(function (item, index) {
        item.hidden = !range || index < range[0] || index >= range[1];
      });
      const more = phase.querySelector(".phase__more");
      if (more) more.textContent = range && range[1] < items.length ? "▼" : "";
    });
    const indicator = document.getElementById("screen-page");
    if (indicator) {
      indicator.hidden = pages.length < 2;
      indicator.textContent = (indicator.dataset.text || "{page} / {pages}")
        .replace("{page}", String(current + 1))
        .replace("{pages}", String(pages.length));
    }
  }

  function schedule(view) {
    const wanted = pages.length > 1 ? Math.max(5, Number(view.dataset.pageSeconds) || 15) : 0;
    if (wanted === seconds && (timer || !wanted)) return;
    stop();
    seconds = wanted;
    if (wanted) {
      timer = window.setInterval(function () {
        current = (current + 1) % pages.length;
        show();
      }, wanted * 1000);
    }
  }

  function stop() {
    if (timer) window.clearInterval(timer);
    timer = null;
    seconds = 0;
  }

  function turn(step) {
    // A keyboard or presenter remote at the screen pages by hand; the timer starts anew.
    if (pages.length < 2) return;
    current = (current + step + pages.length) % pages.length;
    show();
    const view = boardView();
    if (view) { stop(); schedule(view); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowRight" || event.key === "PageDown" || event.key === " ") turn(1);
    else if (event.key === "ArrowLeft" || event.key === "PageUp") turn(-1);
    else return;
    event.preventDefault();
  });

  let pending = false;
  function refit() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      paginate();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    paginate();
    window.setInterval(tick, 10000);
    window.addEventListener("resize", refit);
    document.addEventListener("lotsenboard:live-applied", refit);
    document.addEventListener("htmx:afterSettle", refit);
  });
})();
