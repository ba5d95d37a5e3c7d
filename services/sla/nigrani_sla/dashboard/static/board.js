// Nigrani ops board: redraws the page from its JSON every few seconds, and draws the
// 30-day charts as SVG. No library, no external request: the page's Content-Security-
// Policy allows this service's own files only. Every value goes in through textContent,
// never as HTML. The number formats repeat pages.py's (the browser test compares them).
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg"; // the SVG namespace name, not a fetched address
  var NOTHING = "\u2013";
  var main = document.getElementById("main");
  var url = main.getAttribute("data-url");
  var every = Math.max(1, Number(main.getAttribute("data-refresh-seconds")) || 5) * 1000;
  var zone = "Asia/Karachi";

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return NOTHING;
    var minutes = Math.floor(Math.max(seconds, 0) / 60);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    minutes = minutes % 60;
    if (days) return days + " d " + hours + " h";
    if (hours) return hours + " h " + minutes + " min";
    return minutes + " min";
  }

  function percent(ratio) {
    return ratio === null || ratio === undefined ? NOTHING : (ratio * 100).toFixed(1) + " %";
  }

  function local(iso) {
    if (!iso) return NOTHING;
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }

  function field(name) { return document.querySelector('[data-field="' + name + '"]'); }

  function setField(name, text, value) {
    var node = field(name);
    if (!node) return;
    node.textContent = text;
    if (value !== undefined) node.setAttribute("data-value", value === null ? "" : String(value));
  }

  function cell(row, text, value) {
    var td = document.createElement("td");
    td.textContent = text;
    if (value !== undefined) td.setAttribute("data-value", String(value));
    row.appendChild(td);
    return td;
  }

  function fillTable(name, items, columns, emptyText) {
    var body = document.querySelector('[data-table="' + name + '"]');
    if (!body) return;
    var rows = items.map(function (item) {
      var row = document.createElement("tr");
      columns(row, item);
      return row;
    });
    if (!rows.length && emptyText) {
      var row = document.createElement("tr");
      cell(row, emptyText).setAttribute("colspan", String(body.closest("table").tHead.rows[0].cells.length));
      rows.push(row);
    }
    body.replaceChildren.apply(body, rows);
  }

  function svgNode(name, attributes, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A chart of daily values: lines for `lines`, bars for `bars`, on one shared scale.
  function chart(svg, days, series, kind, summary) {
    // Drawn at the size it is shown (1 unit = 1 CSS pixel), so labels stay legible.
    var W = Math.max(280, Math.round(svg.getBoundingClientRect().width) || 600);
    var H = W < 500 ? 170 : 220, left = 40, right = 8, top = 12, bottom = 24;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    var max = 2;
    series.forEach(function (s) { s.values.forEach(function (v) { max = Math.max(max, v); }); });
    max = Math.ceil(max / 2) * 2; // even, so the middle grid line is a whole number
    var step = (W - left - right) / Math.max(days.length, 1);
    var x = function (i) { return left + step * (i + 0.5); };
    var y = function (v) { return top + (H - top - bottom) * (1 - v / max); };
    var nodes = [svgNode("desc", {}, summary)];
    [0, max / 2, max].forEach(function (v) {
      nodes.push(svgNode("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), "class": "grid" }));
      nodes.push(svgNode("text", { x: left - 6, y: y(v) + 4, "class": "axis", "text-anchor": "end" },
        String(Math.round(v))));
    });
    [[0, "start"], [Math.floor(days.length / 2), "middle"], [days.length - 1, "end"]]
      .forEach(function (tick) {
        var i = tick[0];
        if (days[i] === undefined) return;
        var at = tick[1] === "start" ? x(i) - step / 2 : tick[1] === "end" ? x(i) + step / 2 : x(i);
        nodes.push(svgNode("text", { x: at, y: H - 6, "class": "axis", "text-anchor": tick[1] },
          days[i].slice(5)));
      });
    series.forEach(function (s) {
      if (kind === "bars") {
        s.values.forEach(function (v, i) {
          nodes.push(svgNode("rect", { x: x(i) - step * 0.35, width: step * 0.7, y: y(v),
            height: Math.max(0, y(0) - y(v)), "class": "bar " + s.name }));
        });
      } else {
        var points = s.values.map(function (v, i) { return x(i) + "," + y(v); }).join(" ");
        nodes.push(svgNode("polyline", { points: points, "class": "line " + s.name }));
      }
    });
    svg.replaceChildren.apply(svg, nodes);
  }

  function drawCharts(data) {
    var days = data.trend.map(function (d) { return d.day; });
    var pick = function (key) { return data.trend.map(function (d) { return d[key]; }); };
    var last = data.trend[data.trend.length - 1] || {};
    var flow = document.querySelector('[data-chart="flow"]');
    if (flow) {
      chart(flow, days, [
        { name: "submitted", values: pick("submitted") },
        { name: "stopped", values: pick("stopped") },
        { name: "breached", values: pick("breached") }
      ], "lines", "Today: " + (last.submitted || 0) + " submitted, " + (last.stopped || 0) +
        " stopped, " + (last.breached || 0) + " breached.");
    }
    var backlog = document.querySelector('[data-chart="backlog"]');
    if (backlog) {
      chart(backlog, days, [{ name: "overdue", values: pick("overdue_at_end") }], "bars",
        "Overdue now: " + (last.overdue_at_end || 0) + ".");
    }
  }

  function show(data) {
    zone = data.time_zone || zone;
    var asOf = field("as_of");
    asOf.textContent = local(data.as_of);
    asOf.setAttribute("datetime", data.as_of);
    ["open", "overdue", "paused", "breaches_today"].forEach(function (name) {
      setField(name, String(data[name]));
    });
    var c = data.compliance;
    setField("compliance", percent(c.ratio), c.ratio);
    setField("compliance_on_time", String(c.on_time));
    setField("compliance_targeted", String(c.stopped - c.without_target));
    setField("median", duration(data.time_to_resolve.median_seconds), data.time_to_resolve.median_seconds);
    setField("p90", duration(data.time_to_resolve.p90_seconds), data.time_to_resolve.p90_seconds);
    setField("last_staff_action_at", local(data.last_staff_action_at), data.last_staff_action_at);
    fillTable("oldest_overdue", data.oldest_overdue, function (row, item) {
      var code = document.createElement("code");
      code.textContent = item.request_id;
      row.appendChild(document.createElement("td")).appendChild(code);
      cell(row, item.department);
      cell(row, duration(item.overdue_seconds), item.overdue_seconds);
    }, "Nothing is overdue.");
    fillTable("escalations", data.escalations, function (row, item) {
      cell(row, String(item.level));
      cell(row, String(item.open));
    }, "No open request is escalated.");
    fillTable("trend", data.trend, function (row, d) {
      [d.day, d.submitted, d.stopped, d.breached, d.overdue_at_end].forEach(function (v) {
        cell(row, String(v));
      });
    });
    fillTable("departments", data.departments, function (row, line) {
      var link = document.createElement("a");
      link.href = "/ops/departments/" + encodeURIComponent(line.department);
      link.textContent = line.department;
      row.appendChild(document.createElement("td")).appendChild(link);
      cell(row, String(line.open));
      cell(row, String(line.overdue));
      cell(row, line.overdue ? duration(line.oldest_overdue_seconds) : NOTHING, line.oldest_overdue_seconds);
      cell(row, local(line.last_staff_action_at));
    }, "No department has requests yet.");
    drawCharts(data);
  }

  function refresh() {
    fetch(url, { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        latest = data;
        show(data);
        field("stale").hidden = true;
        main.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { field("stale").hidden = false; })
      .then(function () { window.setTimeout(refresh, every); });
  }

  var latest = JSON.parse(document.getElementById("board-data").textContent);
  zone = latest.time_zone || zone;
  drawCharts(latest);
  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(function () { drawCharts(latest); }, 150);
  });
  window.setTimeout(refresh, every);
})();
