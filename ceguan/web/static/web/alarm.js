// An alarm's evidence chart, from the JSON the page embeds (no inline script): the series
// around the episode, the episode shaded (markArea), the limit as a horizontal line (markLine)
// and points flagged other than N as red triangles. Times are shown in Beijing time.
(function () {
  "use strict";
  var BEIJING_MS = 8 * 3600 * 1000;

  // The axis runs in UTC over Beijing wall-clock instants, so every browser shows Beijing time.
  function axisTime(iso) { return Date.parse(iso) + BEIJING_MS; }
  function flagged(flag) { return Boolean(flag) && flag !== "N"; }

  function points(data) {
    return data.times.map(function (t, i) {
      var flag = data.flags[i] || "";
      var d = { value: [axisTime(t), data.values[i]], flag: flag };
      if (flagged(flag)) {
        d.symbol = "triangle";
        d.symbolSize = 12;
        d.itemStyle = { color: "#b42318" };
      }
      return d;
    });
  }

  function option(data) {
    var t = data.text;
    var line = {
      name: data.name, type: "line", data: points(data), symbol: "circle", symbolSize: 4,
      showAllSymbol: true, connectNulls: false, lineStyle: { width: 1.5 },
      markArea: {
        silent: true, itemStyle: { color: "rgba(220, 104, 3, 0.18)" },
        data: [[{ name: t.episode, xAxis: axisTime(data.start) }, { xAxis: axisTime(data.end) }]],
      },
    };
    if (data.limit !== null && data.limit !== undefined) {
      line.markLine = {
        silent: true, symbol: "none", lineStyle: { color: "#b42318", type: "dashed" },
        label: { formatter: t.limit + " " + data.limit + " " + data.unit },
        data: [{ yAxis: data.limit }],
      };
    }
    return {
      useUTC: true,
      animation: false,
      title: data.times.length ? { show: false } :
        { text: t.no_data, left: "center", top: "middle", textStyle: { fontSize: 14, color: "#5f6b78" } },
      tooltip: {
        trigger: "axis", confine: true,
        formatter: function (params) {
          if (!params.length) return "";
          var p = params[0], v = p.data.value[1] === null ? "—" : p.data.value[1];
          var when = new Date(p.data.value[0]).toISOString().slice(0, 16).replace("T", " ");
          var flag = flagged(p.data.flag) ? "（" + t.flag + " " + p.data.flag + "）" : "";
          return when + "<br>" + p.marker + echarts.format.encodeHTML(p.seriesName) + "：" + v +
            echarts.format.encodeHTML(flag);
        },
      },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 36, bottom: 56 },
      xAxis: { type: "time" },
      yAxis: { type: "value", scale: true, name: data.unit },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 20, bottom: 8 }],
      series: [line],
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("alarm-chart");
    if (!node || typeof echarts === "undefined") return;
    var data = JSON.parse(document.getElementById("alarm-data").textContent);
    var chart = echarts.init(node);
    chart.setOption(option(data));
    node.dataset.rendered = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
