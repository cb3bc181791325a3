// A facility's telemetry chart and rate bars, from the JSON the page embeds (no inline script).
// Points flagged other than N are triangles in the flag's colour, revised values are dark
// diamonds, superseded originals hollow diamonds; the tooltip explains the flag. A click on the
// chart loads the raw frames behind the nearest point; the window form refetches series.json.
(function () {
  "use strict";
  var BEIJING_MS = 8 * 3600 * 1000;
  var FLAG_COLOURS = {
    F: "#667085", M: "#b54708", S: "#7a5af8", D: "#b42318",
    C: "#dc6803", T: "#912018", B: "#c11574",
  };
  var REVISED = "#101828";
  var text, series, chart, panel, lastAt;

  // The axis runs in UTC over Beijing wall-clock instants, so every browser shows Beijing time.
  function axisTime(iso) { return Date.parse(iso) + BEIJING_MS; }
  function shown(iso) { return iso.slice(0, 19).replace("T", " "); }
  function flagged(flag) { return Boolean(flag) && flag !== "N"; }

  function item(p, superseded) {
    var d = { value: [axisTime(p[0]), p[1]], at: p[0], flag: p[2], revision: p[3] };
    if (superseded) { d.superseded = true; return d; }
    if (flagged(d.flag)) {
      d.symbol = "triangle";
      d.symbolSize = 11;
      d.itemStyle = { color: FLAG_COLOURS[d.flag] || "#b42318" };
      if (d.revision) { d.itemStyle.borderColor = REVISED; d.itemStyle.borderWidth = 2; }
    } else if (d.revision) {
      d.symbol = "diamond";
      d.symbolSize = 11;
      d.itemStyle = { color: REVISED };
    }
    return d;
  }

  function describe(d) {
    var parts = [];
    if (d.flag) parts.push(text.flag + " " + d.flag + " " + (series.flags[d.flag] || ""));
    if (d.revision) parts.push(text.revision.replace("%(n)s", d.revision));
    if (d.superseded) parts.push(text.superseded);
    return parts.join("，");
  }

  function tooltip(params) {
    if (!params.length) return "";
    lastAt = params[0].data.at;
    var lines = [shown(lastAt)];
    params.forEach(function (p) {
      var v = p.data.value[1] === null ? "—" : p.data.value[1];
      var extra = describe(p.data);
      lines.push(p.marker + echarts.format.encodeHTML(p.seriesName) + "：" + v +
        (extra ? "（" + echarts.format.encodeHTML(extra) + "）" : ""));
    });
    return lines.join("<br>");
  }

  function option(data) {
    var list = [];
    data.series.forEach(function (s) {
      list.push({
        name: s.label, type: "line", data: s.points.map(function (p) { return item(p, false); }),
        symbol: "circle", symbolSize: 3, showAllSymbol: true, connectNulls: false,
        lineStyle: { width: 1.5 },
      });
      if (s.superseded.length) {
        list.push({
          name: s.label, type: "scatter", symbol: "emptyDiamond", symbolSize: 10,
          itemStyle: { color: "#98a2b3" }, z: 1,
          data: s.superseded.map(function (p) { return item(p, true); }),
        });
      }
    });
    return {
      useUTC: true,
      animation: false,
      title: data.series.length ? { show: false } :
        { text: text.no_data, left: "center", top: "middle", textStyle: { fontSize: 14, color: "#5f6b78" } },
      tooltip: { trigger: "axis", triggerOn: "mousemove|click", confine: true, formatter: tooltip },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 56 },
      xAxis: { type: "time", axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", scale: true },
      dataZoom: [{ type: "slider", height: 18, bottom: 8 }],
      series: list,
    };
  }

  function nearest(x) {
    var best = null, gap = Infinity;
    chart.getOption().series.forEach(function (s) {
      s.data.forEach(function (d) {
        var g = Math.abs(d.value[0] - x);
        if (g < gap) { gap = g; best = d.at; }
      });
    });
    return best;
  }

  function loadFrames(at) {
    if (!at) return;
    panel.textContent = text.loading;
    fetch(series.frames_url + encodeURIComponent(at), {
      headers: { "HX-Request": "true" }, credentials: "same-origin",
    }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      panel.innerHTML = html;  // rendered and escaped by the server
      panel.scrollIntoView({ block: "nearest" });
    }).catch(function () { panel.textContent = text.failed; });
  }

  function cell(row, content) {
    var td = document.createElement("td");
    if (content instanceof Node) td.appendChild(content); else td.textContent = content;
    row.appendChild(td);
    return td;
  }

  function latestTable(rows) {
    var body = document.querySelector("#latest-table tbody");
    body.textContent = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.label);
      cell(tr, r.at_display);
      cell(tr, r.value === null ? "—" : String(r.value)).className = "num";
      cell(tr, r.unit);
      var flag = (r.flag + " " + r.flag_label).trim();
      if (r.revision) flag += "，" + text.revision.replace("%(n)s", r.revision);
      cell(tr, flag);
      var a = document.createElement("a");
      a.href = r.frames_url;
      a.className = "frames-link";
      a.textContent = text.frames;
      cell(tr, a);
      body.appendChild(tr);
    });
    if (!rows.length) cell(body.appendChild(document.createElement("tr")), text.no_data).colSpan = 6;
  }

  function draw(data) {
    series = data;
    chart.setOption(option(data), { notMerge: true });
    document.getElementById("series-notes").textContent = (data.notes || []).join(" ");
    document.getElementById("telemetry-chart").dataset.rendered = "true";
  }

  function refetch(form) {
    var query = new URLSearchParams(new FormData(form)).toString();
    fetch(text.series_url + "?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.error) { document.getElementById("series-notes").textContent = data.error; return; }
        draw(data);
        latestTable(data.latest);
        form.elements.start.value = data.start.slice(0, 16);
        form.elements.end.value = data.end.slice(0, 16);
        history.replaceState(null, "", "?" + query);
      });
  }

  function rates() {
    var node = document.getElementById("rates-chart");
    if (!node) return;
    var data = JSON.parse(document.getElementById("rates-data").textContent);
    var bars = echarts.init(node);
    bars.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      legend: { top: 0 },
      grid: { left: 44, right: 8, top: 32, bottom: 40 },
      xAxis: { type: "category", data: data.days.map(function (d) { return d.slice(5); }) },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: text.transmission, type: "bar", data: data.transmission },
        { name: text.valid, type: "bar", data: data.valid },
      ],
    });
    window.addEventListener("resize", function () { bars.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    text = JSON.parse(document.getElementById("telemetry-text").textContent);
    panel = document.getElementById("frames-panel");
    chart = echarts.init(document.getElementById("telemetry-chart"));
    draw(JSON.parse(document.getElementById("series-data").textContent));
    chart.getZr().on("click", function (e) {
      var pixel = [e.offsetX, e.offsetY];
      if (!chart.containPixel("grid", pixel)) return;
      loadFrames(nearest(chart.convertFromPixel({ gridIndex: 0 }, pixel)[0]) || lastAt);
    });
    var form = document.getElementById("window-form");
    form.addEventListener("submit", function (e) { e.preventDefault(); refetch(form); });
    form.elements.kind.addEventListener("change", function () {
      form.elements.start.value = "";
      form.elements.end.value = "";
      refetch(form);
    });
    window.addEventListener("resize", function () { chart.resize(); });
    rates();
  });
})();
