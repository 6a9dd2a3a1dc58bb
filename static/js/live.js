// Lotsenboard live: the open board follows every committed change without reloading.
// The page knows the last event seq it shows; the websocket pushes each new event with the
// touched cards already rendered; a gap, a reconnect or a poll fetches what was missed.
(function () {
  "use strict";

  const POLL_SECONDS = 5;
  const RETRY_WS_WHILE_POLLING_MS = 60000;
  const MAX_BACKOFF_MS = 30000;
  const CATCH_UP_LIMIT = 200; // missed events beyond this: re-render the board instead
  const FAILED_OPENS_BEFORE_POLLING = 2;
  const SETTLE_MS = 100; // htmx settles swapped content after 20 ms; leave it that long and more
  const SCREEN_RELOAD_MS = 6 * 3600 * 1000; // screens run for weeks: re-render now and then

  let view = null;
  let texts = {};
  let lastSeq = 0; // the newest event this page shows
  let head = 0; // the newest event known to exist
  let socket = null;
  let attempts = 0;
  let failedOpens = 0;
  let polling = false;
  let serverDown = false;
  let pollTimer = null;
  let retryTimer = null;
  let lastHeard = 0;
  let pingSeconds = 5;
  let etag = "";
  let inFlight = 0;
  let lastAnswer = 0;
  let queue = Promise.resolve();
  const startedAt = Date.now();

  function data(name) {
    return view ? view.dataset[name] || "" : "";
  }

  function authHeaders() {
    const token = data("screenToken");
    return token ? { Authorization: "Bearer " + token } : {};
  }

  function socketUrl() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + location.host + data("socketUrl");
  }

  function reloadUrl() {
    return data("reloadUrl") || location.pathname + location.search;
  }

  // --- connection status ------------------------------------------------------------
  function setStatus(state, seconds) {
    const box = document.getElementById("live-status");
    if (!box) return;
    const text = (texts[state] || "").replace("{seconds}", String(seconds || ""));
    if (box.dataset.state === state && box.textContent === text) return;
    box.dataset.state = state;
    box.textContent = text;
  }

  // --- ordered work: one event (or catch-up) at a time --------------------------------
  function enqueue(task) {
    queue = queue
      .then(waitForQuiet)
      .then(task)
      .catch(function (error) {
        // A failed fetch leaves lastSeq where it was: the next hello or poll catches up.
        console.warn("live update failed", error);
      });
  }

  function waitForQuiet() {
    // The page's own change is on its way (or a card is being dragged): its answer shows
    // the result, so events wait and their echo is then skipped by seq.
    return new Promise(function (resolve) {
      (function check() {
        const settled = Date.now() - lastAnswer > SETTLE_MS;
        if (inFlight === 0 && settled && !document.body.dataset.dragging && !writing()) resolve();
        else window.setTimeout(check, 50);
      })();
    });
  }

  function writing() {
    // A page that re-renders itself must not throw away what someone is filling in: the
    // form being worked in, with anything typed, ticked or chosen (say "Beschluss" ticked
    // before the text is typed).
    if (!reloadsOnEvery() || !view) return false;
    const active = document.activeElement;
    if (!active || !view.contains(active) || !/^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return false;
    const form = active.form;
    const lotsenboard = window.Lotsenboard;
    if (form && lotsenboard && lotsenboard.isDirty) return lotsenboard.isDirty(form);
    return active.type !== "hidden" && active.value !== active.defaultValue;
  }

  function noteHead(seq) {
    if (typeof seq === "number" && seq > head) head = seq;
  }

  function handleEvent(message) {
    if (message.seq <= lastSeq) return null; // shown already (e.g. the echo of our own change)
    if (message.seq > lastSeq + 1) return catchUp(); // a gap: fetch what was missed
    return applyEvent(message.event, message.live || {}).then(function () {
      if (message.seq > lastSeq) lastSeq = message.seq;
      tell(message.event);
    });
  }

  function tell(event) {
    // Other parts of the page (an open card dialog) follow the changes that concern them.
    document.dispatchEvent(new CustomEvent("lotsenboard:event", { detail: event }));
  }

  const MEETING_STRUCTURAL = ["meeting.series_set", "meeting.changed", "meeting.cancelled", "meeting.restored", "meeting.added", "meeting.started", "meeting.closed"];

  function isStructural(type) {
    // A Lotsentreffen date shows in the board's head line and on the screen, and the screen
    // turns to meeting mode when one begins (the meeting's own pages re-render on every event).
    return type.indexOf("phase.") === 0 || type.indexOf("board.") === 0 || MEETING_STRUCTURAL.indexOf(type) >= 0;
  }

  function reloadsOnEvery() {
    // A list (the annotations overview) re-renders itself; it has no cards to patch.
    return data("liveMode") === "reload";
  }

  function applyEvent(event, live) {
    if (live.reload || isStructural(event.type) || reloadsOnEvery()) return reload();
    if (!event.card_id) return Promise.resolve();
    if (data("filtered") === "true") {
      // Only the server's own query knows what this filtered view shows.
      const phases = (live.phases || []).map(function (phase) { return phase.id; });
      return fetchStates([event.card_id], phases).then(applyStates);
    }
    applyStates(live);
    return Promise.resolve();
  }

  function catchUp() {
    if (!view) return Promise.resolve();
    const after = lastSeq;
    const url = data("eventsUrl") + "?after=" + after + "&limit=" + CATCH_UP_LIMIT;
    const headers = Object.assign({ Accept: "application/json" }, authHeaders());
    if (etag) headers["If-None-Match"] = etag;
    return fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status >= 500) reachable(false);
        if (response.status === 304) {
          reachable(true);
          return [];
        }
        if (response.status === 401 || response.status === 404) {
          gone();
          return [];
        }
        if (!response.ok) throw new Error("events: HTTP " + response.status);
        etag = response.headers.get("ETag") || "";
        // Only the log's own answer counts: a proxy's login or maintenance page is no sign.
        return response.json().then(function (events) {
          reachable(true);
          return events;
        });
      }, function (error) {
        reachable(false); // no answer at all
        throw error;
      })
      .then(function (events) {
        if (!events.length || lastSeq !== after) return null;
        const newest = events[events.length - 1].seq;
        noteHead(newest);
        if (reloadsOnEvery() || events.length >= CATCH_UP_LIMIT || events.some(function (e) { return isStructural(e.type); })) {
          return reload();
        }
        const ids = [];
        events.forEach(function (event) {
          if (event.card_id && ids.indexOf(event.card_id) < 0) ids.push(event.card_id);
        });
        const applied = ids.length ? fetchStates(ids, null).then(applyStates) : Promise.resolve();
        return applied.then(function () {
          if (newest > lastSeq) lastSeq = newest;
          events.forEach(tell);
          if (head > lastSeq) return catchUp();
          return null;
        });
      });
  }

  function reachable(answered) {
    // A server that answers again after polls went unanswered or failed was restarted (an
    // update, a reboot of the town hall's server): the screen goes live at once, not a minute
    // later. Polling that never failed (a proxy without websockets) keeps its slow retry.
    if (!answered) {
      serverDown = true;
    } else if (serverDown) {
      serverDown = false;
      if (polling && !socket) connect();
    }
  }

  function fetchStates(ids, phases) {
    const params = new URLSearchParams(data("query"));
    ids.forEach(function (id) { params.append("card", id); });
    (phases || []).forEach(function (id) { params.append("in_phase", id); });
    return fetch(data("liveUrl") + "?" + params.toString(), {
      headers: Object.assign({ Accept: "application/json" }, authHeaders()),
      cache: "no-store",
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) throw new Error("live cards: HTTP " + response.status);
      return response.json();
    });
  }

  function reload() {
    if (!view || typeof htmx === "undefined") return Promise.resolve();
    const before = view;
    return new Promise(function (resolve) {
      let finished = false;
      function finish() {
        if (finished) return;
        finished = true;
        document.removeEventListener("htmx:afterSettle", onSettle);
        adopt();
        resolve();
      }
      function onSettle() {
        // Only after settling: until then htmx may still restore old attributes.
        if (document.getElementById("board-view") !== before) finish();
      }
      document.addEventListener("htmx:afterSettle", onSettle);
      htmx
        .ajax("GET", reloadUrl(), { target: "#board-view", swap: "outerHTML", headers: authHeaders() })
        .then(
          function () { window.setTimeout(finish, 1000); },
          finish
        );
    });
  }

  // --- applying states to the DOM ------------------------------------------------------
  function applyStates(states) {
    if (!states || !view) return;
    let missingLane = false;
    (states.cards || []).forEach(function (card) {
      if (!applyCard(card)) missingLane = true;
    });
    (states.phases || []).forEach(applyPhase);
    updateCounters(states.total);
    if (typeof states.tally_html === "string") {
      const tally = document.getElementById("annotation-tally");
      if (tally) tally.innerHTML = states.tally_html;
    }
    document.dispatchEvent(new CustomEvent("lotsenboard:live-applied"));
    if (missingLane) enqueue(reload); // a new swimlane: only a re-render draws it
  }

  function cardItem(id) {
    return view.querySelector('.card-item[data-card-id="' + id + '"]');
  }

  function listFor(card) {
    const group = data("group");
    let lane = "all";
    if (group === "department") lane = "d" + (card.department_id || 0);
    else if (group === "lotse") lane = "l" + (card.lotse_id || 0);
    return view.querySelector(
      '.phase__cards[data-phase-id="' + card.phase_id + '"][data-lane="' + lane + '"]'
    );
  }

  function applyCard(card) {
    const item = cardItem(card.id);
    if (item && shownAlready(item, card)) return true;
    if (card.archived || card.visible === false) {
      if (item) item.remove();
      return true;
    }
    const list = listFor(card);
    if (!list) {
      if (item) item.remove();
      return false;
    }
    const fresh = item || document.createElement("li");
    fresh.className = "card-item";
    fresh.dataset.cardId = String(card.id);
    fresh.dataset.version = String(card.version);
    fresh.dataset.marks = card.marks || "";
    fresh.innerHTML = card.html;
    keepFilterInLinks(fresh);
    if (fresh.parentNode !== list) list.appendChild(fresh);
    if (typeof htmx !== "undefined") htmx.process(fresh);
    highlight(fresh);
    return true;
  }

  function shownAlready(item, card) {
    // A card's own version counts its changes; its open annotations (markers) change apart.
    const version = Number(item.dataset.version);
    return version > card.version || (version === card.version && (item.dataset.marks || "") === (card.marks || ""));
  }

  function keepFilterInLinks(item) {
    const query = data("query");
    if (!query) return;
    item.querySelectorAll("a[href^='/cards/']").forEach(function (link) {
      link.setAttribute("href", link.getAttribute("href") + "?" + query);
      if (link.hasAttribute("hx-get")) link.setAttribute("hx-get", link.getAttribute("href"));
    });
  }

  function highlight(item) {
    // A CSS animation, no timer: the class goes when the animation ends.
    item.classList.remove("card-item--changed");
    void item.offsetWidth;
    item.classList.add("card-item--changed");
  }

  function applyPhase(phase) {
    const rank = new Map();
    phase.order.forEach(function (id, index) { rank.set(String(id), index); });
    const last = phase.order.length;
    view.querySelectorAll('.phase__cards[data-phase-id="' + phase.id + '"]').forEach(function (list) {
      const items = Array.prototype.filter.call(list.children, function (child) {
        return child.classList.contains("card-item");
      });
      items.forEach(function (item) {
        // A card this phase no longer holds left it; its own update will place it.
        if (!rank.has(item.dataset.cardId)) rank.set(item.dataset.cardId, last);
      });
      const sorted = items.slice().sort(function (a, b) {
        return rank.get(a.dataset.cardId) - rank.get(b.dataset.cardId);
      });
      sorted.forEach(function (item, index) {
        const here = list.children[index];
        if (here !== item) list.insertBefore(item, here || null);
      });
    });
    const count = view.querySelector('[data-wip-phase="' + phase.id + '"]');
    if (count) {
      count.innerHTML = phase.count_html;
      count.classList.toggle("phase__count--over", Boolean(phase.over_limit));
    }
  }

  function plural(key, count) {
    return texts[key + (count === 1 ? "_one" : "_other")] || "";
  }

  function updateCounters(total) {
    const number = new Intl.NumberFormat(document.documentElement.lang || "de");
    const counter = document.getElementById("card-counter");
    if (counter && typeof total === "number") {
      const shown = view.querySelectorAll(".card-item").length;
      counter.dataset.total = String(total);
      counter.textContent = plural("counter", total)
        .replace("{shown}", number.format(shown))
        .replace("{num}", String(total));
    }
    view.querySelectorAll(".lane").forEach(function (lane) {
      const laneCount = lane.querySelector("[data-lane-count]");
      if (laneCount) laneCount.textContent = "(" + lane.querySelectorAll(".card-item").length + ")";
      lane.querySelectorAll(".phase").forEach(function (phase) {
        const count = phase.querySelector("[data-lane-phase-count]");
        if (!count) return;
        const n = phase.querySelectorAll(".card-item").length;
        const spans = count.querySelectorAll("span");
        if (spans.length === 2) {
          spans[0].textContent = String(n);
          spans[1].textContent = plural("cards", n).replace("{num}", String(n));
        }
      });
    });
  }

  // --- the websocket ------------------------------------------------------------------
  function connect() {
    window.clearTimeout(retryTimer);
    if (!view || socket) return;
    if (!polling) setStatus("connecting");
    let greeted = false;
    let ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (error) {
      failedOpens += 1;
      afterClose(0);
      return;
    }
    socket = ws;
    ws.onopen = function () {
      lastHeard = Date.now();
    };
    ws.onmessage = function (event) {
      if (socket !== ws) return;
      lastHeard = Date.now();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message.type === "ping") {
        ws.send('{"type":"pong"}');
        return;
      }
      if (message.type === "hello") {
        greeted = true;
        attempts = 0;
        failedOpens = 0;
        pingSeconds = message.ping || pingSeconds;
        stopPolling();
        setStatus("live");
        noteHead(message.seq);
        if (head > lastSeq) enqueue(catchUp);
        return;
      }
      if (message.type === "refresh") {
        // A department or lotse changed name or colour: every card may show it.
        enqueue(reload);
        return;
      }
      if (message.type === "head") {
        // The server dropped events while this page lagged: fetch them from the log.
        noteHead(message.seq);
        enqueue(function () { return head > lastSeq ? catchUp() : null; });
        return;
      }
      if (message.type === "event") {
        noteHead(message.seq);
        enqueue(function () { return handleEvent(message); });
      }
    };
    ws.onclose = function (event) {
      if (socket !== ws) return;
      socket = null;
      if (event.code === 4401 || event.code === 4404) {
        gone();
        return;
      }
      if (!greeted) failedOpens += 1;
      afterClose(event.code);
    };
  }

  function afterClose(code) {
    if (failedOpens >= FAILED_OPENS_BEFORE_POLLING || code === 4403) startPolling();
    let delay;
    if (polling) {
      delay = RETRY_WS_WHILE_POLLING_MS;
    } else {
      // Exponential backoff with full jitter: a restarted server is not stormed by every desk.
      const cap = Math.min(MAX_BACKOFF_MS, 500 * Math.pow(2, attempts));
      delay = cap / 2 + Math.random() * cap / 2;
      attempts += 1;
      setStatus("retrying", Math.ceil(delay / 1000));
    }
    retryTimer = window.setTimeout(connect, delay);
  }

  function watchdog() {
    // No message (not even a ping) for three ping intervals: the connection is dead.
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastHeard > (pingSeconds * 3 + 2) * 1000) {
      const dead = socket;
      socket = null;
      dead.onclose = null;
      dead.onmessage = null;
      dead.close();
      afterClose(0);
    }
  }

  function gone() {
    // The link was revoked, the session ended or the board is no longer readable: the
    // server's page says which. A page that was only just loaded does not reload in a loop.
    if (Date.now() - startedAt > 30000) {
      location.reload();
    } else {
      startPolling();
    }
  }

  // --- polling fallback ---------------------------------------------------------------
  function startPolling() {
    if (polling) return;
    polling = true;
    setStatus("polling", POLL_SECONDS);
    pollTimer = window.setInterval(function () { enqueue(catchUp); }, POLL_SECONDS * 1000);
    enqueue(catchUp);
  }

  function stopPolling() {
    if (!polling) return;
    polling = false;
    window.clearInterval(pollTimer);
  }

  // --- the page -----------------------------------------------------------------------
  function adopt() {
    // The board was re-rendered (our own change, a filter, a live reload): it shows its seq.
    const current = document.getElementById("board-view");
    if (!current || current === view) return;
    view = current;
    lastSeq = Number(view.dataset.seq || 0);
    etag = "";
    if (head > lastSeq) enqueue(catchUp);
  }

  function start() {
    view = document.getElementById("board-view");
    const source = document.getElementById("live-texts");
    if (!view || !source || !("WebSocket" in window)) return;
    texts = JSON.parse(source.textContent);
    lastSeq = head = Number(view.dataset.seq || 0);
    document.addEventListener("htmx:beforeRequest", function () { inFlight += 1; });
    document.addEventListener("htmx:afterRequest", function () {
      inFlight = Math.max(0, inFlight - 1);
      lastAnswer = Date.now();
    });
    document.addEventListener("htmx:afterSettle", adopt);
    document.addEventListener("animationend", function (event) {
      if (event.animationName !== "card-changed") return;
      const item = event.target.closest(".card-item");
      if (item) item.classList.remove("card-item--changed");
    });
    window.setInterval(watchdog, 2000);
    if (data("screenToken")) {
      window.setInterval(function () { enqueue(reload); }, SCREEN_RELOAD_MS);
    }
    connect();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
