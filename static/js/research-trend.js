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
    if (data.split) {
      // Panels: the pointer is over one, the tooltip gives every line's value
      // for that year, so places compare without moving the pointer.
      var index = params[0].dataIndex;
      params = data.series.map(function (line, i) {
        return { color: PALETTE[i % PALETTE.length], seriesName: line.name, value: line[current][index] };
      });
    }
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

  // A value axis that ends on a round number (1, 2 or 5 times a power of ten),
  // the same for every panel so that panels compare by height.
  function roundUp(value) {
    if (!(value > 0)) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (value <= steps[i] * power) return steps[i] * power;
    }
    return 10 * power;
  }
  function largest(measure) {
    var top = 0;
    data.series.forEach(function (line) {
      line[measure].forEach(function (v) { if (v !== null && v > top) top = v; });
    });
    return top;
  }
  var PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4"];
  // A line of one or two years is a dot or two: drawn large, never hidden
  // (ECharts hides symbols on a crowded axis).
  function lineSeries(line, measure, index, extra) {
    var points = line[measure].filter(function (v) { return v !== null; }).length;
    var sparse = points <= 12;
    var options = {
      name: line.name, type: "line", connectNulls: false, showSymbol: true,
      showAllSymbol: sparse ? true : "auto", symbol: "circle", symbolSize: sparse ? 9 : 5,
      color: PALETTE[index % PALETTE.length], data: line[measure]
    };
    for (var key in extra) options[key] = extra[key];
    return options;
  }
  function counted(measure) {
    return measure === "documents" || measure === "occurrences" ? 1 : 0;
  }

  // Split by place: one small panel per line, stacked, on the same years and
  // the same scale; a place's one year never hides under another's.
  function drawPanels(measure, narrow) {
    var n = data.series.length;
    var top = 4, title = 34, plot = narrow ? 90 : 110, below = 30;
    var each = title + plot + below;
    holder.style.height = (top + n * each) + "px";
    chart.resize();
    var max = roundUp(largest(measure));
    var years = data.years.map(String);
    var option = {
      aria: { enabled: true }, animation: false,
      tooltip: { trigger: "axis", confine: true, formatter: tooltip },
      // The year under the pointer is marked in every panel.
      axisPointer: { link: [{ xAxisIndex: "all" }] },
      title: [], grid: [], xAxis: [], yAxis: [], series: []
    };
    data.series.forEach(function (line, i) {
      var y = top + i * each;
      option.title.push({ text: line.name, top: y, left: 0, textStyle: { fontSize: 14, fontWeight: "bold" } });
      option.grid.push({ top: y + title, height: plot, left: narrow ? 44 : 56, right: narrow ? 12 : 24 });
      option.xAxis.push({ type: "category", gridIndex: i, data: years, boundaryGap: false, axisLabel: { hideOverlap: true } });
      option.yAxis.push({ type: "value", gridIndex: i, min: 0, max: max, splitNumber: 2, minInterval: counted(measure) });
      option.series.push(lineSeries(line, measure, i, { xAxisIndex: i, yAxisIndex: i }));
    });
    chart.setOption(option, { notMerge: true });
  }

  function draw(measure) {
    var narrow = holder.clientWidth < 520;
    if (data.split) {
      drawPanels(measure, narrow);
      return;
    }
    chart.setOption({
      aria: { enabled: true },
      animation: false,
      tooltip: { trigger: "axis", confine: true, formatter: tooltip },
      // Bounded on both sides, the legend pages (1/2 ▶) instead of running
      // past the edge of a phone screen.
      legend: { type: "scroll", top: 0, left: 0, right: 0 },
      grid: narrow ? { left: 44, right: 12, top: 56, bottom: 36 } : { left: 56, right: 24, top: 48, bottom: 40 },
      xAxis: { type: "category", data: data.years.map(String), name: "", boundaryGap: false },
      yAxis: { type: "value", name: data.labels[measure], nameGap: 14, minInterval: counted(measure) },
      series: data.series.map(function (line, i) { return lineSeries(line, measure, i, {}); })
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
