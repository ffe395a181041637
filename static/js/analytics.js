/* FlowPilot Analytics charts (templates/analytics/dashboard.html), drawn with the vendored Chart.js 4.
 *
 * The data is the page's #analytics-data (json_script): the same dict GET /api/v1/analytics/flowpilot returns,
 * so a chart never shows a number the API does not. #analytics-labels maps problem domains to their names.
 * Every <canvas data-chart="mttr|domains|tiers"> in loaded or swapped-in content gets its chart
 * (htmx.onLoad); charts whose canvas left the page are destroyed first. Rates are shown with one decimal.
 * No inline styles: Chart.js sizes its canvas through the CSSOM, which the CSP (style-src 'self') allows. */
(function () {
  "use strict";

  var COLOURS = {
    indigo: "#4f46e5", // indigo-600
    indigoFill: "rgba(99, 102, 241, 0.14)", // indigo-500
    resolved: "#10b981", // emerald-500: resolved, guided (as the badges)
    escalated: "#f59e0b", // amber-500: escalated, exploring
    discovery: "#8b5cf6", // violet-500
    text: "#52525b", // zinc-600
    grid: "#f4f4f5", // zinc-100
  };
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function oneDecimal(value) {
    return value === null || value === undefined ? "—" : Number(value).toFixed(1);
  }

  function rate(value) {
    return value === null || value === undefined ? "—" : oneDecimal(value) + " %";
  }

  /** "2026-11-03" → "3 Nov", without a Date (a date string parsed as UTC can land on the day before). */
  function shortDate(iso) {
    var parts = iso.split("-");
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1];
  }

  function domainName(labels, domain) {
    return labels[domain] || domain;
  }

  function baseOptions() {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false, // figures, not a show: drawn at once, and a resize never catches a half-drawn chart
      plugins: {
        legend: { labels: { color: COLOURS.text, boxWidth: 12, boxHeight: 12, usePointStyle: true } },
        tooltip: { intersect: false },
      },
    };
  }

  function axis(extra) {
    return Object.assign({ ticks: { color: COLOURS.text }, grid: { color: COLOURS.grid }, border: { display: false } }, extra);
  }

  // ── The charts ──────────────────────────────────────────────────────────────────────────────────────

  function mttrChart(data) {
    var points = data.mttr_trend;
    var options = baseOptions();
    options.plugins.legend = { display: false };
    options.interaction = { mode: "index", intersect: false };
    options.plugins.tooltip = {
      callbacks: {
        title: function (items) {
          return shortDate(points[items[0].dataIndex].date);
        },
        label: function (item) {
          var point = points[item.dataIndex];
          return oneDecimal(point.mttr_minutes) + " min · " + point.session_count + " resolved";
        },
      },
    };
    options.scales = {
      x: axis({ grid: { display: false }, ticks: { color: COLOURS.text, maxTicksLimit: 8, maxRotation: 0 } }),
      y: axis({ beginAtZero: true, title: { display: true, text: "minutes", color: COLOURS.text } }),
    };
    return {
      type: "line",
      data: {
        labels: points.map(function (point) { return shortDate(point.date); }),
        datasets: [
          {
            label: "MTTR (minutes)",
            data: points.map(function (point) { return point.mttr_minutes; }),
            borderColor: COLOURS.indigo,
            backgroundColor: COLOURS.indigoFill,
            fill: "origin",
            spanGaps: true,
            cubicInterpolationMode: "monotone", // smooth, never dipping below a day's value
            borderWidth: 2,
            pointRadius: points.length > 31 ? 0 : 2.5,
            pointHoverRadius: 4,
            pointBackgroundColor: COLOURS.indigo,
          },
        ],
      },
      options: options,
    };
  }

  function domainChart(data, labels) {
    var rows = data.sessions_by_domain;
    var options = baseOptions();
    options.indexAxis = "y";
    options.interaction = { mode: "index", axis: "y", intersect: false };
    options.plugins.legend.position = "bottom";
    options.plugins.tooltip.callbacks = {
      footer: function (items) {
        return "Resolution rate " + rate(rows[items[0].dataIndex].resolution_rate);
      },
    };
    options.scales = {
      x: axis({ beginAtZero: true, ticks: { color: COLOURS.text, precision: 0 } }),
      y: axis({ grid: { display: false } }),
    };
    return {
      type: "bar",
      data: {
        labels: rows.map(function (row) { return domainName(labels, row.domain); }),
        datasets: [
          { label: "Resolved", data: rows.map(function (row) { return row.resolved; }), backgroundColor: COLOURS.resolved, borderRadius: 3, maxBarThickness: 18 },
          { label: "Escalated", data: rows.map(function (row) { return row.escalated; }), backgroundColor: COLOURS.escalated, borderRadius: 3, maxBarThickness: 18 },
        ],
      },
      options: options,
    };
  }

  function tierChart(data) {
    var tiers = data.confidence_breakdown;
    var keys = ["guided", "exploring", "discovery"];
    var options = baseOptions();
    options.cutout = "62%";
    options.plugins.legend = { display: false }; // the list beside the donut is the legend, with the rates
    options.plugins.tooltip.callbacks = {
      label: function (item) {
        var key = keys[item.dataIndex];
        return " " + tiers[key + "_sessions"] + " sessions · " + rate(tiers[key + "_resolution_rate"]) + " resolved";
      },
    };
    return {
      type: "doughnut",
      data: {
        labels: ["Guided", "Exploring", "Discovery"],
        datasets: [
          {
            data: keys.map(function (key) { return tiers[key + "_sessions"]; }),
            backgroundColor: [COLOURS.resolved, COLOURS.escalated, COLOURS.discovery],
            borderColor: "#ffffff",
            borderWidth: 2,
            hoverOffset: 4,
          },
        ],
      },
      options: options,
    };
  }

  var BUILDERS = { mttr: mttrChart, domains: domainChart, tiers: tierChart };

  // ── Drawing them as content loads ───────────────────────────────────────────────────────────────────

  function destroyDetached() {
    Object.keys(window.Chart.instances).forEach(function (id) {
      var chart = window.Chart.instances[id];
      if (chart && !chart.canvas.isConnected) chart.destroy();
    });
  }

  function drawCharts(root) {
    if (!window.Chart || !root.querySelectorAll) return;
    var canvases = root.querySelectorAll("canvas[data-chart]");
    if (!canvases.length) return;
    destroyDetached();
    var data = readJSON("analytics-data");
    var labels = readJSON("analytics-labels") || {};
    if (!data) return;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    canvases.forEach(function (canvas) {
      var build = BUILDERS[canvas.getAttribute("data-chart")];
      if (!build) return;
      var existing = window.Chart.getChart(canvas);
      if (existing) existing.destroy();
      new window.Chart(canvas, build(data, labels));
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(drawCharts);
  } else {
    drawCharts(document.body);
  }
})();
