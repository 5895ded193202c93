// Comfort only: the place boxes suggest the names of the level chosen above
// them. Without this script they suggest the level the page was loaded with.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-place-box]");
  document.querySelectorAll("input[name='level']").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (!radio.checked) return;
      boxes.forEach(function (box) { box.setAttribute("list", "places-" + radio.value); });
    });
  });
})();
