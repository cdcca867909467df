// Suggestions as you type in the search box of every page: the names /api/search ranks first,
// offered in the box's <datalist>. Without this script the box is a plain form to /search.
(function () {
  "use strict";
  const input = document.getElementById("site-search-q");
  const list = document.getElementById("site-search-suggestions");
  if (!input || !list || !window.fetch) return;
  let timer = null;
  let asked = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 120);
  });

  function suggest() {
    const q = input.value.trim();
    if (q.length < 2 || q === asked) return;
    asked = q;
    fetch("/api/search?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (answer) {
        if (input.value.trim() !== q) return; // the box has moved on
        list.replaceChildren();
        for (const hit of answer.results || []) {
          const option = document.createElement("option");
          option.value = hit.label;
          option.label = hit.label + " (" + hit.kind_name + (hit.matched && hit.matched !== hit.label ? ", as “" + hit.matched + "”" : "") + ")";
          list.appendChild(option);
        }
        input.setAttribute("data-suggested", String((answer.results || []).length));
      })
      .catch(function () { /* no suggestions: the form still works */ });
  }
})();
