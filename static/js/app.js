/* ResolutionFlow's page behaviour for every page: toasts, the sidebar's badges, the sidebar drawer on small
 * screens, the account menu, [data-copy] buttons and feedback when an htmx request fails.
 *
 * Loaded with `defer` after htmx (base.html). The CSP allows scripts from this origin only: no inline
 * <script>, no hx-on, no eval. A feature's own behaviour goes in its own static file, loaded from the
 * page's `extra_js` block, initialised with `htmx.onLoad(function (root) { ... })` so it also runs on
 * swapped-in content. `ResolutionFlow.toast(message, level)` shows a toast from any script. */
(function () {
  "use strict";

  var LEVELS = ["success", "info", "warning", "error"];
  var TOAST_MILLISECONDS = 5000;
  var MAX_TOASTS = 5;
  var ERROR_MESSAGE = "Something went wrong — nothing was changed.";
  var NETWORK_ERROR_MESSAGE = "Network error — check your connection and try again.";

  // ── Toasts ──────────────────────────────────────────────────────────────────────────────────────────

  function toastRegion() {
    return document.getElementById("toasts");
  }

  /** Show `message` (plain text: never parsed as HTML) as a toast. Returns the toast element, or null. */
  function showToast(message, level) {
    var region = toastRegion();
    var template = document.getElementById("toast-template");
    if (!region || !template || !message) return null;
    var toast = template.content.firstElementChild.cloneNode(true);
    toast.dataset.level = LEVELS.indexOf(level) === -1 ? "info" : level;
    toast.querySelector("[data-toast-message]").textContent = String(message);
    var shown = region.querySelectorAll("[data-toast]");
    for (var i = 0; i <= shown.length - MAX_TOASTS; i++) shown[i].remove();
    region.appendChild(toast);
    armToast(toast);
    return toast;
  }

  /** Toasts leave after a few seconds, unless hovered or focused; errors stay until closed. */
  function armToast(toast) {
    if (toast.hasAttribute("data-armed")) return;
    toast.setAttribute("data-armed", "");
    if (toast.dataset.level === "error") return;
    var timer = null;
    var hovered = false;
    var focused = false;
    function update() {
      clearTimeout(timer);
      if (!hovered && !focused) {
        timer = setTimeout(function () {
          dismissToast(toast);
        }, TOAST_MILLISECONDS);
      }
    }
    toast.addEventListener("mouseenter", function () { hovered = true; update(); });
    toast.addEventListener("mouseleave", function () { hovered = false; update(); });
    toast.addEventListener("focusin", function () { focused = true; update(); });
    toast.addEventListener("focusout", function () { focused = false; update(); });
    update();
  }

  function dismissToast(toast) {
    if (!toast.isConnected || toast.classList.contains("toast-leaving")) return;
    toast.classList.add("toast-leaving");
    setTimeout(function () {
      toast.remove();
    }, 160);
  }

  /** Toasts rendered by the server (Django messages) are re-inserted after load, so screen readers
   * announce them: a live region's content present at page load is not read out. */
  function adoptServerToasts(root) {
    var region = toastRegion();
    if (!region) return;
    var toasts = Array.prototype.filter.call(root.querySelectorAll("[data-toast]"), function (toast) {
      return !toast.hasAttribute("data-armed");
    });
    toasts.forEach(function (toast) {
      toast.setAttribute("data-armed", "pending");
      toast.remove();
    });
    setTimeout(function () {
      toasts.forEach(function (toast) {
        toast.removeAttribute("data-armed");
        region.appendChild(toast);
        armToast(toast);
      });
    }, 50);
  }

  /** Did this response bring its own toast (HX-Trigger)? Then the generic error toast is not needed. */
  function responseHasToast(xhr) {
    var header = xhr && xhr.getResponseHeader("HX-Trigger");
    if (!header) return false;
    try {
      var events = JSON.parse(header);
      return events !== null && typeof events === "object" && "toast" in events;
    } catch (error) {
      return /(^|,)\s*toast\s*(,|$)/.test(header);
    }
  }

  // The `toast` event comes from an HX-Trigger header: {"toast": {"level": "...", "message": "..."}}.
  // htmx fires it for error responses too.
  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.message, detail.level);
  });

  // A refused action (resolutionflow.htmx.refuse) answers 422 (invalid input) or 409 (the state changed)
  // with the re-rendered form or region to swap, or with an empty body when nothing on the page changes.
  // htmx swaps only 2xx by default: swap these when they have a body; their toast explains either way.
  var REFUSAL_SWAPPED = [409, 422];

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (REFUSAL_SWAPPED.indexOf(detail.xhr.status) === -1) return;
    detail.shouldSwap = detail.serverResponse !== "";
    detail.isError = false;
  });

  document.addEventListener("htmx:responseError", function (event) {
    if (!responseHasToast(event.detail.xhr)) showToast(ERROR_MESSAGE, "error");
  });

  document.addEventListener("htmx:sendError", function () {
    showToast(NETWORK_ERROR_MESSAGE, "error");
  });

  // ── Sidebar badges ──────────────────────────────────────────────────────────────────────────────────

  var BADGE_MAX = 99;

  // An action that changes a badge's count sends the new one in HX-Trigger:
  // {"nav-badges": {"counts": {"review_queue": 3}}} (resolutionflow.navigation.send_badges).
  document.addEventListener("nav-badges", function (event) {
    var counts = (event.detail && event.detail.counts) || {};
    document.querySelectorAll("[data-nav-badge]").forEach(function (badge) {
      var key = badge.getAttribute("data-nav-badge");
      if (!Object.prototype.hasOwnProperty.call(counts, key)) return;
      var count = Number(counts[key]) || 0;
      // The count is the badge's first text node (a screen-reader-only label follows it).
      var text = badge.firstChild;
      if (!text || text.nodeType !== Node.TEXT_NODE) {
        text = document.createTextNode("");
        badge.insertBefore(text, badge.firstChild);
      }
      text.nodeValue = count > BADGE_MAX ? BADGE_MAX + "+" : String(count);
      badge.hidden = count <= 0;
    });
  });

  // ── The sidebar drawer (below the lg breakpoint) ────────────────────────────────────────────────────

  var wideScreen = window.matchMedia("(min-width: 64rem)");

  function isSidebarOpen() {
    var sidebar = document.getElementById("sidebar");
    return !!sidebar && sidebar.hasAttribute("data-open");
  }

  function setSidebarOpen(open, options) {
    var sidebar = document.getElementById("sidebar");
    var toggle = document.querySelector("[data-sidebar-toggle]");
    var backdrop = document.querySelector("[data-sidebar-backdrop]");
    var main = document.querySelector("[data-app-main]");
    if (!sidebar || !toggle) return;
    sidebar.toggleAttribute("data-open", open);
    if (backdrop) backdrop.hidden = !open;
    if (main) main.inert = open; // the drawer is modal: the page behind it cannot be reached
    toggle.setAttribute("aria-expanded", String(open));
    document.documentElement.classList.toggle("overflow-hidden", open);
    if (options && options.restoreFocus === false) return;
    if (open) {
      var first = sidebar.querySelector("[aria-current=page]") || sidebar.querySelector("a, button");
      if (first) first.focus();
    } else {
      toggle.focus();
    }
  }

  wideScreen.addEventListener("change", function (event) {
    if (event.matches && isSidebarOpen()) setSidebarOpen(false, { restoreFocus: false });
  });

  // ── Clicks and keys, delegated so they keep working on content htmx swaps in ────────────────────────

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;

    if (target.closest("[data-toast-close]")) {
      dismissToast(target.closest("[data-toast]"));
      return;
    }
    if (target.closest("[data-sidebar-toggle]")) {
      setSidebarOpen(!isSidebarOpen());
      return;
    }
    if (target.closest("[data-sidebar-close], [data-sidebar-backdrop]")) {
      setSidebarOpen(false);
      return;
    }
    var copyButton = target.closest("[data-copy]");
    if (copyButton) {
      copyFrom(copyButton);
    }
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(target)) menu.open = false;
    });
  });

  // <button data-confirm="Really?">: ask before the click goes through (forms, links, htmx alike).
  document.addEventListener(
    "click",
    function (event) {
      var asking = event.target.closest("[data-confirm]");
      if (asking && !window.confirm(asking.getAttribute("data-confirm"))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var openMenu = document.querySelector("details[data-menu][open]");
    if (openMenu) {
      openMenu.open = false;
      openMenu.querySelector("summary").focus();
    } else if (isSidebarOpen()) {
      setSidebarOpen(false);
    }
  });

  // ── Copy to clipboard ───────────────────────────────────────────────────────────────────────────────
  // <button type="button" data-copy="text to copy">, or data-copy data-copy-from="#selector" to copy an
  // element's text (an input's or textarea's value).

  function copyFrom(button) {
    var text = button.getAttribute("data-copy");
    var selector = button.getAttribute("data-copy-from");
    if (selector) {
      var source = document.querySelector(selector);
      if (!source) return;
      text = source.matches("input, textarea") ? source.value : source.textContent;
    }
    copyText(text || "").then(
      function () {
        showToast("Copied", "success");
      },
      function () {
        showToast("Could not copy — select the text and copy it by hand.", "error");
      }
    );
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http on a host other than localhost has no Clipboard API: copy through a hidden textarea.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "sr-only";
      document.body.appendChild(area);
      area.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      area.remove();
      (copied ? resolve : reject)();
    });
  }

  // ── Content loaded: the page itself, then everything htmx swaps in ──────────────────────────────────

  function onLoad(root) {
    adoptServerToasts(root);
  }

  if (window.htmx) {
    window.htmx.onLoad(onLoad);
  } else {
    onLoad(document.body);
  }

  window.ResolutionFlow = { toast: showToast };
})();
