/* The flow editor (templates/knowledge/flow_editor.html): small conveniences on top of forms that work
 * without it.
 *
 *  - Asks before a select's change drops work: <select data-confirm-change="message" data-current="...">
 *    whose new <option data-confirm-option="message"> (or the select itself) has a message (a type change
 *    that drops a subtree, the flow type switch). Cancelling puts the select back. Buttons with
 *    data-confirm (removing a node or a step) are asked about by app.js.
 *  - After a redraw, focuses what the server names in #flow-tree[data-focus] (a new node's first field,
 *    or a removed node's parent), so keyboard users keep their place.
 *  - After every save, highlights the node (or detail field) the validator names in #editor-status, so
 *    the inline problem follows edits that do not redraw the tree.
 *  - Sends the tree's forms through #flow-tree-relay, so an edit made while the tree is redrawn is not lost.
 *  - Ctrl/Cmd+S or Ctrl/Cmd+Enter saves the field being typed in (text otherwise saves on leaving it).
 *  - On small screens the flow details start folded, so the tree is in view.
 *
 * No inline handlers, no eval: the CSP allows neither. */
(function () {
  "use strict";

  // ── Confirm before dropping work ────────────────────────────────────────────────────────────────
  // Buttons with data-confirm (removing a node or a step) are asked about by app.js on click. A select
  // changes on its own: when its new choice would drop nodes, ask here, before htmx sends it.

  function changedSelect(elt) {
    if (!elt || !elt.querySelectorAll) return null;
    var selects = elt.querySelectorAll("select[data-confirm-change]");
    for (var i = 0; i < selects.length; i++) {
      if (selects[i].value !== selects[i].getAttribute("data-current")) return selects[i];
    }
    return null;
  }

  document.addEventListener("htmx:confirm", function (event) {
    var detail = event.detail;
    var select = changedSelect(detail.elt);
    var option = select && select.options[select.selectedIndex];
    var message = select && ((option && option.getAttribute("data-confirm-option")) || select.getAttribute("data-confirm-change"));
    var relayed = inTree(detail.elt);
    if (!message && !relayed) return;
    event.preventDefault();
    if (message && !window.confirm(message)) {
      select.value = select.getAttribute("data-current");
      return;
    }
    if (select) select.setAttribute("data-current", select.value);
    if (relayed) relay(detail);
    else detail.issueRequest(true);
  });

  // ── Edits on a tree that is being redrawn ───────────────────────────────────────────────────────
  // Editor requests take turns (hx-sync on #flow-editor), and htmx drops a waiting request whose form has
  // left the page. A structural change redraws #flow-tree, so a second quick "Remove", or a label typed
  // while "Add option" was on its way, would be lost without a word. A form in the tree therefore hands
  // its request to #flow-tree-relay, which stays: the values are read now, the request goes in its turn,
  // and its target (#flow-tree) is found when it goes. A text edit waiting behind a redraw keeps showing
  // what was typed, not the text the redraw brought back.

  var sent = 0;
  var done = 0;
  var redraws = {}; // turn -> true when that request redraws the tree
  var typed = {}; // field id -> {value, turn}: text sent through the relay and not yet answered

  function inTree(elt) {
    return !!(elt && elt.closest && elt.matches("form") && elt.closest("#flow-tree"));
  }

  function relay(detail) {
    var form = detail.elt;
    var submitter = detail.triggeringEvent && detail.triggeringEvent.submitter;
    var values = new FormData(form);
    if (submitter && submitter.name) values.append(submitter.name, submitter.value);
    var swap = form.getAttribute("hx-swap") || "outerHTML";
    sent += 1;
    if (swap !== "none") redraws[sent] = true;
    else {
      form.querySelectorAll("input[id]:not([type=hidden]), textarea[id]").forEach(function (field) {
        typed[field.id] = { value: field.value, turn: sent };
      });
    }
    window.htmx.ajax("POST", detail.path, { source: "#flow-tree-relay", values: values, swap: swap });
  }

  // Relayed requests answer in the order they were sent (one queue). After a redraw, the fields show the
  // text still on its way; answered text is the server's from then on.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "flow-tree-relay") return;
    done += 1;
    var redrawn = redraws[done];
    delete redraws[done];
    Object.keys(typed).forEach(function (id) {
      var field = document.getElementById(id);
      if (typed[id].turn <= done) delete typed[id];
      else if (redrawn && field) field.value = typed[id].value;
    });
  });

  // ── Validation highlight ────────────────────────────────────────────────────────────────────────

  function showProblem(status) {
    var nodeId = status.getAttribute("data-error-node");
    var field = status.getAttribute("data-error-field");
    var message = status.getAttribute("data-error-message") || "";
    document.querySelectorAll("[data-node][data-invalid]").forEach(function (node) {
      if (node.id !== nodeId) node.removeAttribute("data-invalid");
    });
    document.querySelectorAll("[data-node-error]").forEach(function (slot) {
      if (!nodeId || !slot.closest("#" + CSS.escape(nodeId))) slot.textContent = "";
    });
    var node = nodeId && document.getElementById(nodeId);
    if (node) {
      node.setAttribute("data-invalid", "");
      var slot = node.querySelector("[data-node-error]");
      if (slot) slot.textContent = message;
    }
    document.querySelectorAll("#meta-form [name]").forEach(function (input) {
      if (input.type === "hidden") return;
      if (field && input.name === field) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    });
  }

  // ── Focus after a redraw ────────────────────────────────────────────────────────────────────────

  function focusNamed(tree) {
    var target = document.getElementById(tree.getAttribute("data-focus"));
    if (!target) return;
    var field = target.matches("[data-node]") ? target.querySelector("input:not([type=hidden]), textarea") : null;
    (field || target).focus();
    if (field && field.select) field.select();
  }

  function onLoad(root) {
    if (!root || !root.querySelector) return;
    var status = root.id === "editor-status" ? root : root.querySelector("#editor-status");
    if (status) showProblem(status);
    if (root.id === "flow-tree" && root.hasAttribute("data-focus")) focusNamed(root);
  }

  if (window.htmx) window.htmx.onLoad(onLoad);

  // Below the lg breakpoint the flow details sit above the tree: start them folded, so the tree is in view.
  var details = document.querySelector("[data-flow-editor] [data-details]");
  if (details && !window.matchMedia("(min-width: 64rem)").matches) details.open = false;

  // ── Keyboard: save the current field now ────────────────────────────────────────────────────────

  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey)) return;
    if (event.key !== "Enter" && event.key.toLowerCase() !== "s") return;
    var field = document.activeElement;
    if (!field || !field.closest("[data-flow-editor]") || !field.matches("input, textarea")) return;
    event.preventDefault();
    field.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
