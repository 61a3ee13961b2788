// The cite panel's "Copy BibTeX" button (templates/openweb/_cite_panel.html): copies the text
// of the element named by data-copy and says so. Without clipboard access it selects the text
// so the visitor can copy it with the keyboard. No inline script (CSP).
(function () {
  "use strict";

  function say(id, text) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) status.textContent = text;
  }

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var id = button.getAttribute("data-copy");
    var source = document.getElementById(id);
    if (!source) return;
    var text = source.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { say(id, "Copied."); },
        function () { selectText(source); say(id, "Selected: press Ctrl+C (⌘C) to copy."); }
      );
    } else {
      selectText(source);
      say(id, "Selected: press Ctrl+C (⌘C) to copy.");
    }
  });
})();
