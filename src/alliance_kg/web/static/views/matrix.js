// The responsibility matrix of /matrix: sort by a column (its heading becomes a button), filter
// by kind of scope without a reload (the kind select of the form; the address bar follows).
// Without this script the table is there, in the order of /api/scopes, and the form filters.
(function () {
  "use strict";
  const table = document.getElementById("matrix");
  if (!table) return;
  const body = table.tBodies[0];
  const status = document.getElementById("matrix-status");
  const form = document.querySelector("form.question");
  const kindSelect = form && form.querySelector("select[name=kind]");
  // A company's column sorts its leaders first, then its followers, then the empty cells.
  const RANK = { leader: 0, follower: 1, "": 2 };
  const original = Array.from(body.rows);

  function cellValue(row, index, how) {
    const cell = row.cells[index];
    if (how === "role") return RANK[cell.getAttribute("data-role") || ""];
    return (cell.getAttribute("data-value") || cell.textContent).trim().toLowerCase();
  }

  function compare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  function sortBy(th, index, how) {
    const descending = th.getAttribute("aria-sort") === "ascending";
    table.querySelectorAll("thead th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    const rows = original.slice().sort(function (a, b) {
      const first = compare(cellValue(a, index, how), cellValue(b, index, how));
      const then = compare(cellValue(a, 0, "text"), cellValue(b, 0, "text"));
      return (descending ? -first : first) || then;
    });
    body.append.apply(body, rows);
    say("Sorted by " + th.textContent.trim() + (descending ? ", descending" : "") + ".");
  }

  Array.from(table.tHead.rows[0].cells).forEach(function (th, index) {
    const how = th.getAttribute("data-sort");
    if (!how) return;
    const button = document.createElement("button");
    button.type = "button";
    button.append.apply(button, Array.from(th.childNodes));
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(th, index, how); });
  });

  function visible() { return original.filter(function (row) { return !row.hidden; }).length; }

  function say(text) {
    const kind = kindSelect && kindSelect.value;
    status.textContent = visible() + " scopes" + (kind ? " (" + kindSelect.selectedOptions[0].textContent.trim() + ")" : "") + ". " + (text || "");
  }

  // The kind filter on the page: rows of other kinds hidden; the form's address in the bar, so a
  // reload or a shared link shows the same rows (the server filters by ?kind=).
  function filter() {
    const kind = kindSelect.value;
    original.forEach(function (row) { row.hidden = Boolean(kind) && row.getAttribute("data-kind") !== kind; });
    const params = new URLSearchParams(new FormData(form));
    if (!params.get("kind")) params.delete("kind");
    history.replaceState(null, "", form.getAttribute("action") + "?" + params.toString());
    say();
  }

  if (kindSelect) {
    // The page may have been filtered by the server: the other kinds are not in it, so a change of
    // kind loads the page; on a page of every kind, the filter is instant.
    if (!new URLSearchParams(window.location.search).get("kind")) {
      kindSelect.addEventListener("change", filter);
    } else {
      kindSelect.addEventListener("change", function () { form.requestSubmit(); });
    }
  }
  table.setAttribute("data-ready", "true");
})();
