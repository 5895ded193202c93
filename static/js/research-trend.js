// The trend chart (Apache ECharts, vendored). The table below it has the same
// numbers, so the page works without this script.
(function () {
  "use strict";
  var holder = document.getElementById("trend-chart");
  var source = document.getElementById("trend-data");
  if (!holder || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  if (!data.years.length) return;
  var controls = document.querySelector("[data-chart-controls]");

  holder.hidden = false;
  if (controls) controls.hidden = false;
  var chart = window.echarts.init(holder, null, { renderer: "svg" });

  // The tooltip as elements with classes (research.css): ECharts' own is an HTML
  // string full of style attributes, which the Content-Security-Policy
  // refuses. Names go in as text, so a place name is never markup.
  function cell(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function number(value) {
    if (value === null || value === undefined || isNaN(value)) return "-";
    return String(Math.round(value * 100) / 100);
  }
  function tooltip(params) {
    var box = cell("div", "chart-tip");
    if (!params.length) return box;
    box.appendChild(cell("div", "chart-tip-head", params[0].axisValueLabel));
    params.forEach(function (item) {
      var row = cell("div", "chart-tip-row");
      var swatch = cell("span", "chart-tip-swatch");
      // CSSOM, not an attribute: allowed under style-src 'self'.
      swatch.style.backgroundColor = item.color;
      row.appendChild(swatch);
      row.appendChild(cell("span", "chart-tip-name", item.seriesName));
      row.appendChild(cell("span", "chart-tip-value", number(item.value)));
      box.appendChild(row);
    });
    return box;
  }

  function draw(measure) {
    var narrow = holder.clientWidth < 520;
    chart.setOption({
      aria: { enabled: true },
      animation: false,
      tooltip: { trigger: "axis", confine: true, formatter: tooltip },
      // Bounded on both sides, the legend pages (1/2 ▶) instead of running
      // past the edge of a phone screen.
      legend: { type: "scroll", top: 0, left: 0, right: 0 },
      grid: narrow ? { left: 44, right: 12, top: 56, bottom: 36 } : { left: 56, right: 24, top: 48, bottom: 40 },
      xAxis: { type: "category", data: data.years.map(String), name: "", boundaryGap: false },
      yAxis: { type: "value", name: data.labels[measure], nameGap: 14, minInterval: measure === "documents" || measure === "occurrences" ? 1 : 0 },
      series: data.series.map(function (line) {
        return { name: line.name, type: "line", connectNulls: false, showSymbol: true, data: line[measure] };
      })
    }, { notMerge: true });
  }

  var current = "share";
  draw(current);
  if (controls) {
    controls.addEventListener("change", function (event) {
      if (event.target && event.target.name === "measure") {
        current = event.target.value;
        draw(current);
      }
    });
  }
  window.addEventListener("resize", function () { chart.resize(); draw(current); });
})();
