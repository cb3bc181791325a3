// Targeting charts from the JSON the page embeds (no inline script):
// - #progress-chart (plans page): per quarter, due vs drawn vs ad hoc vs visited as bars and the
//   cumulative shortfall as a line, for the region chosen in #progress-region;
// - #score-chart (a facility's risk history): the score over time.
document.addEventListener("DOMContentLoaded", function () {
  var progress = document.getElementById("progress-chart");
  if (progress) {
    var data = JSON.parse(document.getElementById("progress-data").textContent);
    var t = data.text;
    var chart = echarts.init(progress);
    var draw = function (index) {
      var r = data.regions[index];
      chart.setOption({
        title: { text: r.name, left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 40, right: 10, bottom: 50, top: 40 },
        xAxis: { type: "category", data: t.quarters },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: t.due, type: "bar", data: r.due },
          { name: t.drawn, type: "bar", stack: "done", data: r.drawn },
          { name: t.adhoc, type: "bar", stack: "done", data: r.adhoc },
          { name: t.visited, type: "bar", data: r.visited },
          { name: t.shortfall, type: "line", data: r.shortfall, itemStyle: { color: "#b42318" } },
        ],
      }, true);
      progress.dataset.region = r.name;
    };
    draw(0);
    var select = document.getElementById("progress-region");
    if (select) {
      select.addEventListener("change", function () { draw(parseInt(select.value, 10)); });
    }
    window.addEventListener("resize", function () { chart.resize(); });
    progress.dataset.rendered = "true";
  }
  var scores = document.getElementById("score-chart");
  if (scores) {
    var history = JSON.parse(document.getElementById("score-data").textContent);
    var line = echarts.init(scores);
    line.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 10, bottom: 30, top: 20 },
      xAxis: { type: "category", data: history.days },
      yAxis: { type: "value", name: history.name },
      series: [{ name: history.name, type: "line", data: history.scores, symbolSize: 8 }],
    });
    window.addEventListener("resize", function () { line.resize(); });
    scores.dataset.rendered = "true";
  }
});
