// Draws the survey charts from the JSON the page embeds (no inline script: CSP-friendly).
document.addEventListener("DOMContentLoaded", function () {
  var data = JSON.parse(document.getElementById("survey-data").textContent);
  var bars = echarts.init(document.getElementById("survey-chart"));
  bars.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 10, bottom: 80, top: 40 },
    xAxis: { type: "category", data: data.cities, axisLabel: { rotate: 40 } },
    yAxis: { type: "value" },
    series: data.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "facilities", data: s.data };
    }),
  });
  var pie = echarts.init(document.getElementById("mode-chart"));
  pie.setOption({
    tooltip: { trigger: "item" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.modes }],
  });
  window.addEventListener("resize", function () { bars.resize(); pie.resize(); });
  document.getElementById("survey-chart").dataset.rendered = "true";
});
