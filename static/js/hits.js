// Comfort only: step through search hits with the links or the n / p keys.
(function () {
  "use strict";
  var hits = Array.prototype.slice.call(document.querySelectorAll("mark[id^='hit-']"));
  if (!hits.length) return;
  var current = -1;
  var fromHash = /^#hit-(\d+)$/.exec(window.location.hash);
  if (fromHash) current = parseInt(fromHash[1], 10) - 1;

  function go(index) {
    if (current >= 0 && hits[current]) hits[current].classList.remove("current");
    current = (index + hits.length) % hits.length;
    var mark = hits[current];
    mark.classList.add("current");
    mark.scrollIntoView({ block: "center" });
    history.replaceState(null, "", "#" + mark.id);
    var status = document.querySelector("[data-hit-status]");
    if (status) status.textContent = (current + 1) + " / " + hits.length;
  }

  document.querySelectorAll("[data-hit-nav]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      go(link.getAttribute("data-hit-nav") === "next" ? current + 1 : current - 1);
    });
  });
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "n") go(current + 1);
    if (event.key === "p") go(current - 1);
  });
  if (current >= 0) go(current);
})();
