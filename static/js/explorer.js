// The research graph explorer: keyboard shortcuts over plain links, nothing more.
// Every control is a link to the next state (see graph/explorer.py); this file only lets the
// picture answer arrow keys and + / − by following those links, lets Space press the filter
// toggles (links with role="button"), and puts focus somewhere sensible after htmx swaps the
// explorer in place.
(function () {
  "use strict";

  var KEYS = { "+": "+", "=": "+", "-": "-", "_": "-", "0": "0",
               ArrowLeft: "ArrowLeft", ArrowRight: "ArrowRight", ArrowUp: "ArrowUp", ArrowDown: "ArrowDown" };

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target instanceof Element) || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (event.key === " " && target.matches("a[role='button']")) {
      event.preventDefault();
      target.click();
      return;
    }
    if (!target.closest("#explorer-canvas")) {
      return;
    }
    var key = KEYS[event.key];
    if (!key) {
      return;
    }
    var control = document.querySelector("#explorer [data-key='" + key + "']");
    if (control) {
      event.preventDefault();
      control.click();
    }
  });

  // htmx puts focus back on an element with the same id when one exists; when the control
  // that had focus is gone (say "Expand" became "Collapse"), announce the new state instead
  // of dropping focus to the top of the page.
  document.addEventListener("htmx:afterSettle", function () {
    if (!document.getElementById("explorer")) {
      return;
    }
    var active = document.activeElement;
    if (!active || active === document.body || !document.body.contains(active)) {
      var status = document.getElementById("explorer-status");
      if (status) {
        status.focus();
      }
    }
  });
})();
