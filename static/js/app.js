// Lotsenboard glue: drag and drop, the card dialog, focus and announcements.
// htmx does the requests and swaps; this file only wires the pieces together.
(function () {
  "use strict";

  let pendingFocus = null;
  let dialogOpener = null;

  function announce(message) {
    const region = document.getElementById("announcer");
    if (!region || !message) return;
    // Clearing first makes screen readers repeat an identical message.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  function toast(message) {
    // An error stays until it is dismissed: nobody should miss why a change did not happen.
    const box = document.getElementById("toasts");
    if (!box || !message) return;
    const item = document.createElement("p");
    item.className = "toast toast--error";
    item.setAttribute("role", "alert");
    item.textContent = message + " ";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.dataset.dismiss = "true";
    close.textContent = box.dataset.closeText || "×";
    item.appendChild(close);
    box.appendChild(item);
  }

  function expire(item) {
    // Only offers (an undo) go by themselves, and not while pointed at or focused; errors stay.
    const seconds = Number(item.dataset.expires || 0);
    if (!seconds || item.dataset.expiring) return;
    item.dataset.expiring = "true";
    (function later(wait) {
      window.setTimeout(function () {
        if (item.matches(":hover") || item.contains(document.activeElement)) later(2000);
        else item.remove();
      }, wait);
    })(seconds * 1000);
  }

  function dialog() {
    return document.getElementById("card-dialog");
  }

  function boardQuery() {
    const view = document.getElementById("board-view");
    return view && view.dataset.query ? "?" + view.dataset.query : "";
  }

  function initSortable(root) {
    if (typeof Sortable === "undefined" || root.dataset.editable !== "true") return;
    root.querySelectorAll(".phase__cards").forEach(function (list) {
      Sortable.create(list, {
        group: "lane-" + list.dataset.lane,
        draggable: ".card-item",
        animation: 150,
        ghostClass: "card-item--ghost",
        onStart: function () {
          document.body.dataset.dragging = "true";
        },
        onEnd: function (event) {
          delete document.body.dataset.dragging;
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          const item = event.item;
          let previous = item.previousElementSibling;
          while (previous && !previous.classList.contains("card-item")) {
            previous = previous.previousElementSibling;
          }
          htmx.ajax("POST", "/cards/" + item.dataset.cardId + "/move" + boardQuery(), {
            target: "#board-view",
            swap: "outerHTML",
            values: {
              phase_id: event.to.dataset.phaseId,
              after_card_id: previous ? previous.dataset.cardId : "",
              version: item.dataset.version,
            },
          });
        },
      });
    });
  }

  document.addEventListener("lotsenboard:announce", function (event) {
    const detail = event.detail || {};
    announce(detail.message);
    pendingFocus = detail.focus || null;
  });

  function openDialog() {
    const box = dialog();
    if (box && !box.open) {
      dialogOpener = document.activeElement;
      box.showModal();
    }
    // A refused save comes back into the dialog: the focus goes where the answer says.
    const wanted = pendingFocus && document.getElementById(pendingFocus);
    pendingFocus = null;
    const title = document.getElementById("card-dialog-title");
    if (wanted) {
      wanted.focus();
    } else if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus();
    }
  }

  // --- tabs: the card's parts (progressive: without this script every part shows) -----------
  function initTabs(root) {
    root.querySelectorAll("[data-tabs]").forEach(function (nav) {
      if (nav.dataset.ready) return;
      nav.dataset.ready = "true";
      const tabs = Array.prototype.slice.call(nav.querySelectorAll("[data-tab]"));
      const panels = tabs.map(function (tab) {
        return document.getElementById(tab.getAttribute("href").slice(1));
      });
      nav.setAttribute("role", "tablist");
      function select(index, focus) {
        tabs.forEach(function (tab, i) {
          tab.setAttribute("aria-selected", i === index ? "true" : "false");
          tab.tabIndex = i === index ? 0 : -1;
          panels[i].hidden = i !== index;
        });
        if (focus) tabs[index].focus();
      }
      tabs.forEach(function (tab, index) {
        tab.setAttribute("role", "tab");
        tab.id = panels[index].id + "-tab";
        tab.setAttribute("aria-controls", panels[index].id);
        panels[index].setAttribute("role", "tabpanel");
        panels[index].setAttribute("aria-labelledby", tab.id);
        panels[index].removeAttribute("aria-label");
        tab.addEventListener("click", function (event) {
          event.preventDefault();
          select(index, true);
        });
        tab.addEventListener("keydown", function (event) {
          const last = tabs.length - 1;
          const next = { ArrowRight: index === last ? 0 : index + 1, ArrowLeft: index === 0 ? last : index - 1, Home: 0, End: last }[event.key];
          if (next === undefined) return;
          event.preventDefault();
          select(next, true);
        });
      });
      // A link to a part (or to something in it, e.g. #annotation-3) opens that part.
      const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
      const wanted = panels.findIndex(function (panel) { return target && panel.contains(target); });
      select(wanted < 0 ? 0 : wanted, false);
    });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    // htmx wires swapped-in content only when it settles (later still on a busy machine): a
    // form sent before that (the next quick-add title) would go as a page load. The event
    // comes from each element swapped in, out-of-band ones too.
    if (event.target instanceof Element && event.target.isConnected && typeof htmx !== "undefined") {
      htmx.process(event.target);
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    // Opened only after settling: by then htmx has wired the dialog's forms.
    if (event.detail.target && event.detail.target.id === "card-dialog-content") {
      initTabs(event.detail.target);
      openDialog();
      return;
    }
    const view = document.getElementById("board-view");
    const changed = event.detail.target && event.detail.target.id === "board-view" || event.detail.elt === view;
    if (view && view.isConnected && changed) {
      // A change made in the card dialog is done: close it. A live update leaves it open.
      const box = dialog();
      const source = event.detail.requestConfig && event.detail.requestConfig.elt;
      if (box && box.open && source && box.contains(source)) box.close();
      initSortable(view);
    }
    document.querySelectorAll("#toasts [data-expires]").forEach(expire);
    if (pendingFocus) {
      const element = document.getElementById(pendingFocus);
      pendingFocus = null;
      if (element) element.focus();
    }
  });

  // --- an open card dialog follows changes made elsewhere, never over what is being typed ---
  function isDirty(root) {
    return Array.prototype.some.call(root.querySelectorAll("input, textarea, select"), function (field) {
      if (field.type === "hidden") return false;
      if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
      if (field.tagName === "SELECT") {
        // Without a `selected` option the browser shows the first one.
        const initial = Array.prototype.findIndex.call(field.options, function (option) {
          return option.defaultSelected;
        });
        return field.selectedIndex !== Math.max(initial, 0);
      }
      return field.value !== field.defaultValue;
    });
  }
  // live.js keeps a self-rendering page from throwing away a half-filled form.
  window.Lotsenboard = Object.assign(window.Lotsenboard || {}, { isDirty: isDirty });

  function refreshPart(element, url, swap) {
    const focused = element.contains(document.activeElement) ? document.activeElement.id : "";
    htmx.ajax("GET", url, { target: element, swap: swap }).then(function () {
      const again = focused && document.getElementById(focused);
      if (again) again.focus();
    });
  }

  function offerUpdate(panel, url) {
    if (panel.querySelector("[data-stale-notice]")) return;
    const notice = document.createElement("p");
    notice.className = "notice";
    notice.setAttribute("role", "status");
    notice.dataset.staleNotice = "true";
    notice.textContent = panel.dataset.staleText + " ";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--quiet";
    button.textContent = panel.dataset.staleButton;
    button.addEventListener("click", function () { refreshPart(panel, url, "outerHTML"); });
    notice.appendChild(button);
    panel.insertBefore(notice, panel.firstChild);
  }

  document.addEventListener("lotsenboard:event", function (event) {
    const change = event.detail || {};
    const box = dialog();
    const detail = box && box.open ? box.querySelector(".card-detail") : null;
    if (!detail || !change.card_id || detail.dataset.cardId !== String(change.card_id)) return;
    const base = "/cards/" + change.card_id;
    const timeline = document.getElementById("card-" + change.card_id + "-timeline");
    if (timeline && Number(timeline.dataset.seq) < change.seq) {
      timeline.dataset.seq = String(change.seq);
      refreshPart(timeline, base + "/verlauf", "innerHTML");
    }
    const panel = document.getElementById("card-" + change.card_id + "-annotations");
    if (!panel || change.type.indexOf("annotation.") !== 0 || Number(panel.dataset.seq) >= change.seq) return;
    if (isDirty(panel)) offerUpdate(panel, base + "/annotations");
    else refreshPart(panel, base + "/annotations", "outerHTML");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    // An undo offer that was used is gone.
    const offer = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest(".toast--undo");
    if (offer) offer.remove();
  });

  document.addEventListener("htmx:responseError", function () {
    toast(document.body.dataset.msgFailed);
  });

  document.addEventListener("htmx:sendError", function () {
    toast(document.body.dataset.msgOffline);
  });

  document.addEventListener("click", function (event) {
    const target = event.target.closest("[data-close-dialog], [data-dismiss], [data-skip-board]");
    if (!target) {
      // A click elsewhere closes the filter panel.
      const panel = document.getElementById("filter-panel");
      if (panel && panel.open && !panel.contains(event.target)) panel.open = false;
      return;
    }
    if (target.hasAttribute("data-dismiss")) {
      target.closest(".toast").remove();
      return;
    }
    if (target.hasAttribute("data-skip-board")) {
      const first = firstCard();
      if (first) {
        event.preventDefault();
        first.focus();
      }
      return;
    }
    // On the card's own page "Schließen" is a link back to the board; in the dialog it closes.
    const box = dialog();
    if (box && box.open) {
      event.preventDefault();
      box.close();
    }
  });

  // --- moving through the board by keyboard: arrows between cards and phases --------------
  function cardLinks(list) {
    return Array.prototype.slice.call(list.querySelectorAll(".card__title a"));
  }

  function firstCard() {
    const view = document.getElementById("board-view");
    return view ? view.querySelector(".card__title a") : null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      const panel = document.getElementById("filter-panel");
      if (panel && panel.open) {
        panel.open = false;
        panel.querySelector("summary").focus();
      }
    }
    if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].indexOf(event.key) < 0) return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const link = event.target.closest && event.target.closest(".card__title a");
    const list = link && link.closest(".phase__cards");
    if (!list) return;
    const here = cardLinks(list);
    const index = here.indexOf(link);
    let next = null;
    if (event.key === "ArrowDown") next = here[index + 1];
    else if (event.key === "ArrowUp") next = here[index - 1];
    else {
      // The neighbouring phase (of the same lane) that has cards, at about the same height.
      const lists = Array.prototype.slice.call(
        list.closest(".board").querySelectorAll(".phase__cards")
      );
      const step = event.key === "ArrowRight" ? 1 : -1;
      for (let i = lists.indexOf(list) + step; i >= 0 && i < lists.length; i += step) {
        const there = cardLinks(lists[i]);
        if (there.length) {
          next = there[Math.min(index, there.length - 1)];
          break;
        }
      }
    }
    if (next) {
      event.preventDefault();
      next.focus();
      next.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    const box = dialog();
    if (box) {
      box.addEventListener("close", function () {
        if (dialogOpener && dialogOpener.isConnected) dialogOpener.focus();
        dialogOpener = null;
      });
    }
    const view = document.getElementById("board-view");
    if (view) initSortable(view);
    initTabs(document);
    document.querySelectorAll(".toast").forEach(expire);
  });
})();
