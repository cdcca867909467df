/* The query page of alliance-kg: YASGUI's editor (Yasqe) and results (Yasr) when the page loaded
 * them, else a plain editor of its own. Both run the examples, show SELECT results as a table and
 * link resource IRIs to this service's resource pages. Every request goes to this service.
 *
 * The page runs its example (the first, or the one ?example= names) as it opens, so a reader sees
 * answers before writing a query. Cells show labels in full, wrapped, never cut with an ellipsis;
 * literals show their text alone, and "Show language tags and datatypes" adds "@en", "^^xsd:…". */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("page-config").textContent);
  var examples = new Map(config.examples.map(function (e) { return [e.name, e]; }));
  var form = document.getElementById("plain-form");
  var textarea = document.getElementById("query");
  var status = document.getElementById("status");
  var yasrEl = document.getElementById("yasr");
  var plainResults = document.getElementById("plain-results");
  var showMarkup = document.getElementById("show-markup");
  var XSD_STRING = "http://www.w3.org/2001/XMLSchema#string";
  var yasqe = null;

  // --- helpers ------------------------------------------------------------------------------

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") node.textContent = attributes[key];
      else node.setAttribute(key, attributes[key]);
    });
    (children || []).forEach(function (child) {
      node.append(child);
    });
    return node;
  }

  function setStatus(message, failed) {
    status.textContent = message;
    status.classList.toggle("failed", Boolean(failed));
  }

  /** The local resource page of an IRI of the graph's namespace, else the IRI itself. */
  function localHref(iri) {
    if (iri && iri.indexOf(config.resourceNamespace) === 0) {
      return config.resourcePath + iri.slice(config.resourceNamespace.length);
    }
    return iri;
  }

  /** May a link go to `target`? An http(s) IRI or a path on this service only, never
   * javascript:, data:, urn:… (the rule of alliance_kg.describe.may_link). */
  function mayLink(target) {
    return typeof target === "string" && /^(?:https?:|\/(?![\/\\]))/i.test(target);
  }

  /** A link to an IRI (its local page, or the IRI) if it may be one, else the label as text. */
  function iriNode(iri, label) {
    var href = localHref(iri);
    if (mayLink(href)) return element("a", { class: "iri", href: href, title: iri, text: label });
    return element("span", { class: "iri", title: iri, text: label });
  }

  /** The PREFIX declarations of a query, as {prefix: namespace}. */
  function queryPrefixes(text) {
    var found = {};
    var pattern = /PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>/gi;
    var match;
    while ((match = pattern.exec(text)) !== null) found[match[1] || ""] = match[2];
    return found;
  }

  function shorten(iri, prefixes) {
    var best = null;
    Object.keys(prefixes).forEach(function (prefix) {
      var ns = prefixes[prefix];
      if (ns && iri.indexOf(ns) === 0 && (best === null || ns.length > best[1].length)) best = [prefix, ns];
    });
    return best ? best[0] + ":" + iri.slice(best[1].length) : "<" + iri + ">";
  }

  function termNode(term, prefixes) {
    if (!term) return document.createTextNode("");
    if (term.type === "uri") {
      return iriNode(term.value, shorten(term.value, prefixes));
    }
    if (term.type === "bnode") return document.createTextNode("_:" + term.value);
    // The tag or datatype is always in the table, shown only when asked (body.show-markup).
    var literal = element("span", { class: "literal", text: term.value });
    if (term["xml:lang"]) literal.append(element("small", { class: "markup", text: "@" + term["xml:lang"] }));
    else if (term.datatype && term.datatype !== XSD_STRING) literal.append(element("small", { class: "markup", text: "^^" + shorten(term.datatype, prefixes) }));
    return literal;
  }

  /** A table of rows ({column: cell}), with a header of the columns and a row number. */
  function table(columns, rows, cell, id) {
    var head = element("tr", {}, [element("th", { text: "#" })].concat(columns.map(function (c) { return element("th", { text: c }); })));
    var body = rows.map(function (row, i) {
      return element("tr", {}, [element("td", { class: "n", text: String(i + 1) })].concat(columns.map(function (c) {
        return element("td", {}, [cell(row, c)]);
      })));
    });
    return element("table", { class: "results", id: id }, [element("thead", {}, [head]), element("tbody", {}, body)]);
  }

  function errorMessage(body, status) {
    try {
      var error = JSON.parse(body).error;
      return error.message + (error.hint ? " (" + error.hint + ")" : "");
    } catch (e) {
      return "HTTP " + status + ": " + (body || "no answer").slice(0, 500);
    }
  }

  function countResults(content) {
    try {
      var data = JSON.parse(content);
      if ("boolean" in data) return "ASK: " + data.boolean;
      var n = data.results.bindings.length;
      return n + (n === 1 ? " result" : " results");
    } catch (e) {
      return "done";
    }
  }

  // --- the plain editor ---------------------------------------------------------------------

  function runPlain() {
    var query = textarea.value;
    var started = performance.now();
    yasrEl.hidden = true;
    plainResults.replaceChildren();
    setStatus("Running…");
    return fetch(config.sparql, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
        Accept: "application/sparql-results+json, text/turtle;q=0.9, */*;q=0.1",
      },
      body: new URLSearchParams({ query: query }),
    }).then(function (response) {
      return response.text().then(function (body) {
        var seconds = ((performance.now() - started) / 1000).toFixed(2);
        if (!response.ok) return setStatus(errorMessage(body, response.status), true);
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("sparql-results+json") < 0) {
          plainResults.append(element("pre", { text: body }));
          return setStatus("done in " + seconds + " s");
        }
        var data = JSON.parse(body);
        if ("boolean" in data) {
          plainResults.append(element("p", { class: "boolean", text: String(data.boolean) }));
        } else {
          var prefixes = Object.assign({}, config.prefixes, queryPrefixes(query));
          plainResults.append(table(data.head.vars, data.results.bindings, function (row, column) {
            return termNode(row[column], prefixes);
          }, "plain-table"));
        }
        setStatus(countResults(body) + " in " + seconds + " s");
      });
    }).catch(function (error) {
      setStatus("The request failed: " + error.message, true);
    });
  }

  // --- the validation report ----------------------------------------------------------------

  function showReport() {
    yasrEl.hidden = true;
    plainResults.replaceChildren();
    setStatus("Validating…");
    return fetch(config.validation, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.text().then(function (body) {
        if (!response.ok) return setStatus(errorMessage(body, response.status), true);
        var report = JSON.parse(body);
        var n = report.results.length;
        var summary = report.conforms
          ? "The graph conforms to every rule: 0 results."
          : "The graph does not conform: " + n + " result" + (n === 1 ? "" : "s") + ".";
        var section = element("section", { class: "report", id: "report" }, [
          element("h2", { text: "Validation report" }),
          element("p", { class: report.conforms ? "conforms" : "violations", text: summary }),
          element("p", {}, ["As JSON: ", element("a", { href: config.validation, text: config.validation })]),
        ]);
        if (n) {
          var columns = ["severity", "rule", "message", "focus node", "path", "value"];
          section.append(table(columns, report.results, function (r, column) {
            if (column === "focus node") {
              return iriNode(r.focus_node, r.focus_label || r.focus_node);
            }
            if (column === "path") return r.path ? termNode({ type: "uri", value: r.path }, config.prefixes) : document.createTextNode("");
            var value = { severity: r.severity, rule: r.source_shape_label, message: r.message, value: r.value }[column];
            return document.createTextNode(value || "");
          }, "report-table"));
        }
        plainResults.append(section);
        setStatus(summary);
      });
    }).catch(function (error) {
      setStatus("The request failed: " + error.message, true);
    });
  }

  // --- YASGUI -------------------------------------------------------------------------------

  /** Local links for the IRIs Yasr's table draws (the table plugin renders <a class="iri">), and
   * text instead of a link for an IRI that may not be one (DOMPurify in Yasr drops a javascript:
   * href but keeps mailto: and others; this page links http(s) IRIs only). */
  function localiseLinks(root) {
    root.querySelectorAll("a.iri").forEach(function (link) {
      var href = link.getAttribute("href");
      var local = localHref(href);
      if (!mayLink(local)) {
        link.replaceWith(element("span", { class: "iri", title: href || "", text: link.textContent }));
      } else if (local !== href) {
        link.setAttribute("href", local);
        link.setAttribute("title", href);
        link.removeAttribute("target");
      }
    });
  }

  /** Names for the controls YASGUI draws without one (checked by axe-core in the browser tests):
   * the editor's text area and the table's "rows per page" list. */
  function nameControls(root) {
    root.querySelectorAll(".CodeMirror textarea:not([aria-label])").forEach(function (area) {
      area.setAttribute("aria-label", "SPARQL query");
    });
    root.querySelectorAll("select.tableSizer:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", "rows per page");
    });
    // The editor's scrolling box holds no focusable element (CodeMirror's text area sits outside
    // it): focusable itself, a keyboard can scroll a long query with the arrow keys.
    root.querySelectorAll(".CodeMirror-scroll:not([aria-label])").forEach(function (box) {  // CodeMirror gives it tabindex -1
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "the query, scrollable");
    });
  }

  function startYasgui() {
    var Yasqe = window.Yasgui.Yasqe;
    var Yasr = window.Yasgui.Yasr;
    // Offline: no completer that asks another service (the class and property completers ask
    // LOV); prefixes complete from this graph's own list, not from prefix.cc.
    Yasqe.forkAutocompleter("prefixes", {
      name: "graphPrefixes",
      persistenceId: null,
      get: function () {
        return Promise.resolve(Object.keys(config.prefixes).map(function (p) {
          return p + ": <" + config.prefixes[p] + ">";
        }).sort());
      },
    }, false);
    Yasqe.defaults.autocompleters = ["variables", "graphPrefixes"];
    if (Yasr.plugins.table && Yasr.plugins.table.defaults) Yasr.plugins.table.defaults.openIriInNewWindow = false;

    form.hidden = true;
    yasqe = new Yasqe(document.getElementById("yasqe"), {
      value: examples.get(config.selected).query,
      persistenceId: null,
      prefixCcApi: null,
      editorHeight: "300px",
      lineWrapping: true,  // long lines wrap: no sideways scrolling on a phone
      requestConfig: { endpoint: config.sparql, method: "POST" },
    });
    // Literals without their language tag or datatype unless the page's box asks for them: the
    // table plugin writes a literal with neither as its bare text. (Yasr's own "Simple view" does
    // this too, but also drops the row numbers and the <…> of IRIs.)
    var Table = Yasr.plugins.table;
    if (Table && typeof Table.prototype.formatLiteral === "function" && !Table.prototype.formatLiteral.bare) {
      var formatLiteral = Table.prototype.formatLiteral;
      Table.prototype.formatLiteral = function (literal, prefixes) {
        if (showMarkup.checked) return formatLiteral.call(this, literal, prefixes);
        return formatLiteral.call(this, { type: literal.type, value: literal.value }, prefixes);
      };
      Table.prototype.formatLiteral.bare = true;
    }
    // The table in full: no ellipsis (Yasr cuts long labels by default; its "Ellipse" switch
    // still does, for whoever wants it).
    var yasr = new Yasr(yasrEl, {
      persistenceId: null,
      pluginOrder: ["table", "response"],
      defaultPlugin: "table",
      plugins: { table: { enabled: true, dynamicConfig: { isEllipsed: false } } },
      prefixes: function () { return Object.assign({}, config.prefixes, yasqe.getPrefixesFromQuery()); },
    });
    window.queryPage = { yasqe: yasqe, yasr: yasr };  // for the browser's console and the tests
    new MutationObserver(function () { localiseLinks(yasrEl); nameControls(yasrEl); }).observe(yasrEl, { childList: true, subtree: true });
    nameControls(document.getElementById("yasqe"));
    yasqe.on("query", function () {
      yasrEl.hidden = false;
      plainResults.replaceChildren();
      setStatus("Running…");
    });
    yasqe.on("queryResponse", function (instance, response, duration) {
      yasr.setResponse(response, duration);
      if (response instanceof Error) setStatus(errorMessage(response.message, "error"), true);
      else setStatus(countResults(response.content) + " in " + (duration / 1000).toFixed(2) + " s");
    });
  }

  function run() {
    if (yasqe) {
      yasrEl.hidden = false;
      return yasqe.query().catch(function () {});
    }
    return runPlain();
  }

  // --- the page -----------------------------------------------------------------------------

  /** Show or hide the language tags and datatypes of literals, in either table. */
  function applyMarkup() {
    document.body.classList.toggle("show-markup", showMarkup.checked);
    var yasr = window.queryPage && window.queryPage.yasr;
    if (yasr && yasr.results) yasr.draw();
  }

  function select(link) {
    document.querySelectorAll("a.example").forEach(function (other) {
      other.classList.toggle("selected", other === link);
    });
  }

  document.querySelectorAll("a.example").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      select(link);
      if (link.dataset.report) {
        showReport();
        return;
      }
      var name = link.dataset.example;
      var url = new URL(window.location.href);
      url.searchParams.set("example", name);
      window.history.replaceState(null, "", url);
      if (yasqe) yasqe.setValue(examples.get(name).query);
      else textarea.value = examples.get(name).query;
      run();
    });
  });

  showMarkup.addEventListener("change", applyMarkup);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    runPlain();
  });
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      runPlain();
    }
  });

  if (config.editor === "yasgui") {
    if (window.Yasgui) {
      startYasgui();
    } else {
      setStatus("YASGUI did not load: this is the plain editor.", true);
    }
  }
  document.body.dataset.ready = yasqe ? "yasgui" : "plain";
  document.body.classList.toggle("show-markup", showMarkup.checked);
  run();
})();
