/* The FlowPilot session pages (templates/flowpilot/): small conveniences on top of forms and links that
 * work without them.
 *
 *  - [data-dialog-open="<id>"] links open that <dialog> instead of its fallback page; data-dialog-prefill
 *    fills the dialog's [data-prefill-target] field ("Resolve with this" → the solution's text).
 *    [data-dialog-close] and a click on the backdrop close it (Escape does natively).
 *  - Keys 1-5 pick the current step's option (not while typing, not with a dialog open).
 *  - Ctrl/Cmd+Enter in a [data-submit-shortcut] textarea submits its form.
 *  - After htmx swaps in a new step card (or the closed session), focus moves to its heading so keyboard
 *    and screen-reader users carry on from there; opening a <details> in the card focuses its field.
 *
 * No inline handlers, no eval: the CSP allows neither. */
(function () {
  "use strict";

  function elementOf(event) {
    return event.target instanceof Element ? event.target : null;
  }

  function isTyping(target) {
    return !!target && !!target.closest("input, textarea, select, [contenteditable]");
  }

  // ── Dialogs ─────────────────────────────────────────────────────────────────────────────────────

  function openDialog(opener) {
    var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
    if (!dialog || typeof dialog.showModal !== "function") return false;
    var prefill = opener.getAttribute("data-dialog-prefill");
    var field = dialog.querySelector("[data-prefill-target]");
    if (prefill !== null && field) field.value = prefill;
    dialog.showModal();
    var first = dialog.querySelector("textarea, input:not([type=hidden]):not(.sr-only), select");
    if (first) first.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var target = elementOf(event);
    if (!target) return;
    var opener = target.closest("[data-dialog-open]");
    if (opener && openDialog(opener)) {
      event.preventDefault();
      return;
    }
    if (target.closest("[data-dialog-close]")) {
      var dialog = target.closest("dialog");
      if (dialog) dialog.close();
      return;
    }
    // A click on a modal dialog's own box (not its content) is a click on the backdrop.
    if (target.tagName === "DIALOG" && target.open) {
      var box = target.getBoundingClientRect();
      var inside =
        event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) target.close();
    }
  });

  // ── Keys ────────────────────────────────────────────────────────────────────────────────────────

  document.addEventListener("keydown", function (event) {
    var target = elementOf(event);

    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target && target.matches("[data-submit-shortcut]")) {
      var form = target.form;
      if (form) {
        event.preventDefault();
        if (typeof form.requestSubmit === "function") form.requestSubmit();
        else form.submit();
      }
      return;
    }

    if (!/^[1-5]$/.test(event.key) || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.defaultPrevented || isTyping(target) || document.querySelector("dialog[open]")) return;
    var option = document.querySelector('#step-card [data-option="' + event.key + '"]');
    if (!option || option.disabled) return;
    event.preventDefault();
    option.click();
  });

  // ── Focus ───────────────────────────────────────────────────────────────────────────────────────

  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.detail && event.detail.target;
    var id = swapped && swapped.id;
    if (id !== "step-card" && id !== "session") return;
    var region = document.getElementById(id);
    if (!region) return;
    // htmx already focused an [autofocus] field (the capture form): keep it.
    if (region.contains(document.activeElement) && document.activeElement !== region) return;
    var heading = region.querySelector("[data-step-focus]");
    if (heading) heading.focus({ preventScroll: true });
    if (heading && heading.getBoundingClientRect().top < 0) heading.scrollIntoView({ block: "start", behavior: "smooth" });
  });

  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (!(details instanceof HTMLDetailsElement) || !details.open || !details.closest("#step-card")) return;
      var field = details.querySelector("textarea, input:not([type=hidden])");
      if (field) field.focus();
    },
    true
  );
})();
