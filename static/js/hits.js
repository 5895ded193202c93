// Comfort only: step through search hits with the links, or with the n / p keys
// once the reader switches them on (single-key shortcuts must be optional,
// WCAG 2.1.4). Without this script the links go to the first and last hit.
(function () {
  "use strict";
  var hits = Array.prototype.slice.call(document.querySelectorAll("mark[id^='hit-']"));
  if (!hits.length) return;
  var current = -1;
  var fromHash = /^#hit-(\d+)$/.exec(window.location.hash);
  if (fromHash) current = parseInt(fromHash[1], 10) - 1;
  var STORE = "plansite.hitKeys";

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

  var keysOn = false;
  var toggle = document.querySelector("[data-hit-keys]");
  if (toggle) {
    try { keysOn = window.localStorage.getItem(STORE) === "on"; } catch (e) { keysOn = false; }
    toggle.checked = keysOn;
    var holder = toggle.closest("[hidden]");
    if (holder) holder.hidden = false;
    toggle.addEventListener("change", function () {
      keysOn = toggle.checked;
      try { window.localStorage.setItem(STORE, keysOn ? "on" : "off"); } catch (e) { /* private mode */ }
    });
  }
  document.addEventListener("keydown", function (event) {
    if (!keysOn) return;
    var target = event.target;
    var tag = (target.tagName || "").toLowerCase();
    // Never while typing; a checkbox or link with focus is no text box.
    var typing = tag === "textarea" || tag === "select" || target.isContentEditable ||
      (tag === "input" && !/^(checkbox|radio|button|submit)$/.test(target.type));
    if (typing) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "n") go(current + 1);
    if (event.key === "p") go(current - 1);
  });
  if (current >= 0) go(current);
})();
