// Comfort only: step through search hits with the links, or with the n / p keys
// once the reader switches them on (single-key shortcuts must be optional,
// WCAG 2.1.4). Without this script the links go to the first and last hit.
(function () {
  "use strict";
  // A long document shows one part: its marks keep their numbers in the whole
  // text (hit-4001 ...), and past the ends of the part the bar's data-prev-url /
  // data-next-url lead to the nearest hit in another part.
  var hits = Array.prototype.slice.call(document.querySelectorAll("mark[id^='hit-']"));
  var bar = document.querySelector(".hit-nav");
  var prevUrl = bar ? bar.getAttribute("data-prev-url") : null;
  var nextUrl = bar ? bar.getAttribute("data-next-url") : null;
  var total = bar ? parseInt(bar.getAttribute("data-hit-total"), 10) : NaN;
  if (!hits.length) return;
  if (!(total > 0)) total = hits.length;
  var current = -1;
  var fromHash = /^#hit-(\d+)$/.exec(window.location.hash);
  if (fromHash) {
    current = hits.findIndex(function (mark) { return mark.id === "hit-" + fromHash[1]; });
  }
  var STORE = "plansite.hitKeys";

  function go(index) {
    if (index >= hits.length && nextUrl) { window.location.href = nextUrl; return; }
    if (index < 0 && prevUrl) { window.location.href = prevUrl; return; }
    if (current >= 0 && hits[current]) hits[current].classList.remove("current");
    current = (index + hits.length) % hits.length;
    var mark = hits[current];
    mark.classList.add("current");
    mark.scrollIntoView({ block: "center" });
    history.replaceState(null, "", "#" + mark.id);
    var status = document.querySelector("[data-hit-status]");
    if (status) status.textContent = mark.id.slice(4) + " / " + total;
  }

  function step(forward) {
    // From the top of the page, previous is the last hit here (as without script).
    if (current < 0) go(forward ? 0 : hits.length - 1);
    else go(forward ? current + 1 : current - 1);
  }

  document.querySelectorAll("[data-hit-nav]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      step(link.getAttribute("data-hit-nav") === "next");
    });
  });

  // A line of the 全部位置 list goes to its hit and folds the list away (on a
  // phone the open list would cover the hit it leads to).
  document.querySelectorAll(".hit-list a[href^='#hit-']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var id = link.getAttribute("href").slice(1);
      var index = hits.findIndex(function (mark) { return mark.id === id; });
      var list = link.closest("details");
      if (list) list.open = false;
      if (index < 0) return;
      event.preventDefault();
      go(index);
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
    if (event.key === "n") step(true);
    if (event.key === "p") step(false);
  });
  if (current >= 0) go(current);
})();
