// The meeting-room screen: a clock, and a layout that shows every phase without scrolling.
// Text is as large as the number of cards allows; a crowded phase gets more columns.
(function () {
  "use strict";

  const LINE = 1.25; // line height of card text
  const CARD_LINES = 3; // title (two lines) and one line of department and lotse
  const MIN_COLUMN_EMS = 10; // a card column narrower than this many characters is unreadable

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

  function overflowing(view) {
    return Array.prototype.some.call(view.querySelectorAll(".phase"), function (phase) {
      return phase.scrollHeight > phase.clientHeight + 1;
    });
  }

  function fit() {
    const view = document.getElementById("board-view");
    const main = document.getElementById("main");
    if (!view || !main) return;
    const board = view.querySelector(".board");
    const phases = Array.prototype.slice.call(view.querySelectorAll(".phase"));
    if (!board || !phases.length) return;
    const counts = phases.map(function (phase) {
      return phase.querySelectorAll(".card-item").length;
    });
    // The board takes what the tally of open annotations below it leaves.
    const width = main.clientWidth;
    const height = board.clientHeight;
    const gap = Math.max(6, Math.round(height / 150));
    let largest = Math.max(12, Math.floor(height / 32));
    const smallest = Math.max(9, Math.floor(height / 110));
    // Estimate, then check against the real layout (a long phase name may wrap).
    for (let tries = 0; tries < 6; tries += 1) {
      const size = layout(view, board, phases, counts, width, height, gap, largest, smallest);
      if (size <= smallest || !overflowing(view)) return;
      largest = size - 1;
    }
  }

  function layout(view, board, phases, counts, width, height, gap, largest, smallest) {
    let chosen = null;
    for (let size = largest; size >= smallest; size -= 1) {
      const cardHeight = Math.ceil(size * LINE * CARD_LINES + size * 0.9);
      const headerHeight = Math.ceil(size * 3.6); // phase name and count (see app.css)
      const rows = Math.max(1, Math.floor((height - headerHeight + gap) / (cardHeight + gap)));
      const columns = counts.map(function (n) { return Math.max(1, Math.ceil(n / rows)); });
      const total = columns.reduce(function (a, b) { return a + b; }, 0);
      const columnWidth = (width - gap * (total + phases.length)) / total;
      chosen = { size: size, rows: rows, columns: columns, cardHeight: cardHeight };
      if (columnWidth >= size * MIN_COLUMN_EMS) break;
    }
    view.style.setProperty("--screen-font", chosen.size + "px");
    view.style.setProperty("--screen-gap", gap + "px");
    view.style.setProperty("--card-height", chosen.cardHeight + "px");
    board.style.gridTemplateColumns = chosen.columns
      .map(function (n) { return "minmax(0, " + n + "fr)"; })
      .join(" ");
    phases.forEach(function (phase, index) {
      const list = phase.querySelector(".phase__cards");
      list.style.setProperty("--rows", String(chosen.rows));
      list.style.setProperty("--columns", String(chosen.columns[index]));
    });
    return chosen.size;
  }

  let pending = false;
  function refit() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      fit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    fit();
    window.setInterval(tick, 10000);
    window.addEventListener("resize", refit);
    document.addEventListener("lotsenboard:live-applied", refit);
    document.addEventListener("htmx:afterSettle", refit);
  });
})();
