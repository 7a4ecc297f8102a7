// Sorting and filtering of the report's tables, offline (no library, no network): every table.sortable
// sorts on a click of a column's button, numbers by their data-v value; its search box and status menu
// (the controls whose data-for names the table) hide the rows that do not match.
(function () {
  "use strict";

  function setUp(table) {
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });  // read once, not per keystroke
    var keys = {};
    rows.forEach(function (r, i) { r.dataset.i = i; });

    function keysOf(col) {  // a column's sort keys, read once
      if (!keys[col]) {
        keys[col] = rows.map(function (r) {
          var cell = r.cells[col];
          if (!cell) { return ""; }
          var v = cell.getAttribute("data-v");
          if (v !== null) { return v === "" ? -Infinity : parseFloat(v); }
          return cell.textContent.trim().toLowerCase();
        });
      }
      return keys[col];
    }

    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var k = keysOf(col);
        var order = rows.slice().sort(function (a, b) {
          var x = k[a.dataset.i], y = k[b.dataset.i];
          if (x < y) { return -dir; }
          if (x > y) { return dir; }
          return a.dataset.i - b.dataset.i;  // stable: equal keys keep the page's order
        });
        var fragment = document.createDocumentFragment();
        order.forEach(function (r) { fragment.appendChild(r); });
        tbody.appendChild(fragment);
      });
    });

    var search = document.querySelector("input[data-for='" + table.id + "']");
    var menu = document.querySelector("select[data-for='" + table.id + "']");
    var count = document.querySelector("span.count[data-for='" + table.id + "']");

    function filter() {
      var words = search ? search.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
      var wanted = menu ? menu.value : "";
      var shown = 0;
      rows.forEach(function (r, i) {
        var keep = (!wanted || r.getAttribute("data-status") === wanted) &&
          words.every(function (w) { return texts[i].indexOf(w) !== -1; });
        if (r.hidden === keep) { r.hidden = !keep; }
        if (keep) { shown += 1; }
      });
      if (count) { count.textContent = shown + " of " + rows.length + " shown"; }
    }
    if (search) { search.addEventListener("input", filter); }
    if (menu) { menu.addEventListener("change", filter); }
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), setUp);
}());
