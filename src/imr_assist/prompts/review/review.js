// Review page behaviour. Static: no data is interpolated here (the page's CSP pins this
// script's hash), everything comes from data-* attributes the template escaped.
(function () {
  "use strict";
  var letter = document.getElementById("letter");
  var record = document.getElementById("record");
  var pop = document.getElementById("pop");
  if (!letter || !record || !pop) return;
  var order = Array.prototype.map.call(record.querySelectorAll("button.val[data-target]"), function (b) {
    return b.getAttribute("data-target");
  });
  var current = -1;

  function spansOf(id) {
    return letter.querySelectorAll('[data-m~="' + id + '"], [data-c~="' + id + '"]');
  }
  function clearActive() {
    document.querySelectorAll(".active").forEach(function (e) { e.classList.remove("active"); });
  }
  function flash(el) {
    el.classList.remove("flash");
    void el.offsetWidth; // restart the animation
    el.classList.add("flash");
  }
  // Scroll the letter to a value's span and flash it; mark its row in the record.
  function show(id, fromLetter) {
    clearActive();
    var els = spansOf(id);
    els.forEach(function (e) { e.classList.add("active"); flash(e); });
    if (els.length && !fromLetter) els[0].scrollIntoView({ block: "center", behavior: "smooth" });
    var row = document.getElementById("v-" + id);
    if (row) {
      row.classList.add("active");
      if (fromLetter) row.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
    var i = order.indexOf(id);
    if (i >= 0) current = i;
    return els.length;
  }
  window.imrReview = { show: show }; // for the browser test and the console

  function label(id) {
    var row = document.getElementById("v-" + id);
    if (!row) return null;
    var card = row.closest(".card");
    var head = card ? card.querySelector("h2 .num") : null;
    var th = row.querySelector("th");
    var val = row.querySelector("button.val");
    return { where: head ? "item " + head.textContent : "letter", field: th ? th.getAttribute("title") : id,
             value: val ? val.textContent : "" };
  }
  function openPop(target, ids, x, y) {
    pop.textContent = "";
    ids.forEach(function (id) {
      var l = label(id);
      if (!l) return;
      var d = document.createElement("div");
      var b = document.createElement("b");
      b.textContent = l.where + " · " + l.field;
      d.appendChild(b);
      d.appendChild(document.createTextNode(" = " + l.value));
      pop.appendChild(d);
    });
    if (!pop.firstChild) return;
    pop.hidden = false;
    // Below the clicked line, or above it near the bottom: never over the text it explains.
    var line = Array.prototype.find.call(target.getClientRects(), function (r) {
      return y >= r.top - 1 && y <= r.bottom + 1;
    }) || target.getBoundingClientRect();
    var below = line.bottom + 6, above = line.top - pop.offsetHeight - 6;
    pop.style.left = Math.max(8, Math.min(x - 20, window.innerWidth - pop.offsetWidth - 8)) + "px";
    pop.style.top = (below + pop.offsetHeight > window.innerHeight - 8 && above > 0 ? above : below) + "px";
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target.closest("[data-target]");
    if (t) {
      pop.hidden = true;
      show(t.getAttribute("data-target"), false);
      return;
    }
    var h = ev.target.closest("#letter [data-m]");
    if (h) {
      var ids = h.getAttribute("data-m").split(" ");
      show(ids[ids.length - 1], true);
      ids.forEach(function (id) { var r = document.getElementById("v-" + id); if (r) r.classList.add("active"); });
      openPop(h, ids, ev.clientX, ev.clientY);
      return;
    }
    pop.hidden = true;
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.target && /INPUT|TEXTAREA/.test(ev.target.tagName)) return;
    if (ev.key === "Escape") { pop.hidden = true; clearActive(); return; }
    if (!order.length || (ev.key !== "j" && ev.key !== "k")) return;
    current = (current + (ev.key === "j" ? 1 : -1) + order.length) % order.length;
    pop.hidden = true;
    show(order[current], false);
    var row = document.getElementById("v-" + order[current]);
    if (row) row.scrollIntoView({ block: "nearest" });
  });

  var only = document.getElementById("only-wrong");
  if (only) only.addEventListener("change", function () { document.body.classList.toggle("only-wrong", only.checked); });

  document.querySelectorAll("#legend input[data-kind]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.body.classList.toggle("hide-" + box.getAttribute("data-kind"), !box.checked);
    });
  });
})();
