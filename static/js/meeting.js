// Meeting mode: the keyboard steps through the agenda (→/N next, ←/P previous, 1–9 jump).
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function press(button) {
    if (button && !button.disabled) button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    const key = event.key;
    if (key === "ArrowRight" || key === "n" || key === "N") {
      press(document.getElementById("session-next"));
    } else if (key === "ArrowLeft" || key === "p" || key === "P") {
      press(document.getElementById("session-prev"));
    } else if (/^[1-9]$/.test(key)) {
      press(document.querySelector('.session__jump[data-point="' + key + '"]'));
    } else {
      return;
    }
    event.preventDefault();
  });
})();
