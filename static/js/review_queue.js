/* The Review Queue (templates/knowledge/review_queue.html): keyboard and focus on top of links and forms
 * that work without it.
 *
 *  - j / k move the focus through the proposal cards (not while typing); Enter opens the focused card (it
 *    is a link); Escape in the detail panel goes back to the selected card.
 *  - When htmx swaps in a proposal's detail, the selected card is marked (aria-current), the queue learns it
 *    has a selection (below the lg breakpoint the detail then replaces the list), and the focus moves to the
 *    proposal's heading, so Tab reaches its links and the review actions next.
 *  - Opening "Reject…" focuses the reason field.
 *
 * No inline handlers, no eval: the CSP allows neither. */
(function () {
  "use strict";

  var CARD = "[data-proposal-card]";

  function elementOf(event) {
    return event.target instanceof Element ? event.target : null;
  }

  function isTyping(target) {
    return !!target && !!target.closest("input, textarea, select, [contenteditable]");
  }

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("#review-queue " + CARD));
  }

  function selectedCard() {
    return document.querySelector("#review-queue " + CARD + '[aria-current="true"]');
  }

  function moveFocus(step) {
    var list = cards();
    if (!list.length) return;
    var current = document.activeElement && document.activeElement.closest ? document.activeElement.closest(CARD) : null;
    var index = list.indexOf(current || selectedCard());
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, index + step));
    list[next].focus();
    list[next].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    var target = elementOf(event);
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    if (!document.getElementById("review-queue") || isTyping(target) || document.querySelector("dialog[open]")) return;
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      moveFocus(event.key === "j" ? 1 : -1);
    } else if (event.key === "Escape" && target && target.closest("#proposal-detail")) {
      var card = selectedCard();
      if (card && card.offsetParent !== null) {
        event.preventDefault();
        card.focus();
      }
    }
  });

  // ── A proposal swapped in ───────────────────────────────────────────────────────────────────────────

  function showSelection(detail) {
    var queue = document.getElementById("review-queue");
    var id = detail.getAttribute("data-proposal-id");
    if (queue) queue.toggleAttribute("data-has-selection", !!id);
    cards().forEach(function (card) {
      if (id && card.getAttribute("data-proposal-id") === id) card.setAttribute("aria-current", "true");
      else card.removeAttribute("aria-current");
    });
    var heading = detail.querySelector("#proposal-title");
    if (heading) heading.focus({ preventScroll: window.matchMedia("(min-width: 64rem)").matches });
    if (heading && !window.matchMedia("(min-width: 64rem)").matches) window.scrollTo({ top: 0 });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    if (target instanceof Element && target.id === "proposal-detail" && target.isConnected) showSelection(target);
  });

  // ── Reject… ─────────────────────────────────────────────────────────────────────────────────────────

  document.addEventListener(
    "toggle",
    function (event) {
      var panel = elementOf(event);
      if (!panel || !panel.matches("details[data-reject]") || !panel.open) return;
      var reason = panel.querySelector("textarea");
      if (reason) reason.focus();
    },
    true
  );
})();
