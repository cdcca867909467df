// The world map of /map: every country of the world atlas (world-atlas, keyed by ISO 3166-1
// numeric codes), coloured by the company that leads its reference region on the date, as
// /api/map answers; grey where no leader is assigned. Hatched: in two reference regions; dashed
// outline: a judgement call. Hover or focus shows a country's region and leader, a click or Enter
// opens the responsibility answer with its evidence. The date form refetches without reloading
// (the legend and the table of the page are swapped for those of the new date). Without this
// script the page is its legend and its table.
(function () {
  "use strict";
  const root = document.getElementById("atlas-map");
  if (!root || !window.d3 || !window.topojson || !window.fetch) return;
  const d3 = window.d3;
  const canvas = document.getElementById("map-canvas");
  const tooltip = document.getElementById("map-tooltip");
  const status = document.getElementById("map-status");
  const panel = document.getElementById("country-panel");
  const layout = document.getElementById("map-layout");
  const download = document.getElementById("download-svg");
  const form = document.querySelector("form.question");
  const SVG_NS = "http://www.w3.org/2000/svg";
  const WIDTH = 960;
  const state = { asOf: root.dataset.asOf, layer: root.dataset.layer, data: null, selected: null, asked: 0, zoom: 1 };
  let svg = null;
  let layer = null;
  let paths = null;
  let zoom = null;

  function say(text) { status.textContent = text; }

  function query(asOf, layer) {
    return "?as_of=" + encodeURIComponent(asOf) + "&layer=" + encodeURIComponent(layer);
  }

  // A failed request's message: the API's error envelope says what is wrong.
  function failure(response) {
    return response.json().then(
      function (body) { throw new Error((body.error && body.error.message) || response.statusText); },
      function () { throw new Error(response.status + " " + response.statusText); });
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) { return r.ok ? r.json() : failure(r); });
  }

  // --- drawing ---------------------------------------------------------------------------------

  function draw(topology) {
    const features = window.topojson.feature(topology, topology.objects.countries).features;
    const sphere = { type: "Sphere" };
    const projection = d3.geoEqualEarth().fitWidth(WIDTH - 12, sphere);
    const path = d3.geoPath(projection);
    const bounds = path.bounds(sphere);
    projection.translate([projection.translate()[0] + 6, projection.translate()[1] + 6 - bounds[0][1]]);
    const height = Math.ceil(bounds[1][1] - bounds[0][1]) + 12;
    canvas.replaceChildren();
    svg = d3.select(canvas).append("svg")
      .attr("xmlns", SVG_NS)
      .attr("viewBox", "0 0 " + WIDTH + " " + height)
      .attr("width", WIDTH).attr("height", height)
      .attr("role", "group")
      .attr("aria-labelledby", "map-svg-title");
    svg.append("title").attr("id", "map-svg-title");
    svg.append("defs");
    layer = svg.append("g").attr("class", "zoom-layer");
    layer.append("path").attr("class", "sphere").attr("d", path(sphere)).attr("fill", "#eaf1f8").attr("stroke", "#b7c6d6");
    layer.append("path").attr("class", "graticule").attr("d", path(d3.geoGraticule10()))
      .attr("fill", "none").attr("stroke", "#d3dde8").attr("stroke-width", 0.5);
    paths = layer.append("g").attr("class", "countries").selectAll("path")
      .data(features)
      .join("path")
      .attr("class", "country")
      .attr("d", path)
      .attr("data-country", function (f) { return f.id || ""; })
      .attr("data-name", function (f) { return (f.properties && f.properties.name) || ""; })
      .attr("tabindex", 0)
      .attr("role", "button")
      .attr("stroke", "#ffffff")
      .attr("vector-effect", "non-scaling-stroke");
    paths.append("title");
    paths
      .on("mouseenter", function (event, f) { show(f, event); })
      .on("mousemove", function (event, f) { show(f, event); })
      .on("mouseleave", hide)
      .on("focus", function (event, f) { follow(path, f); show(f, null, this); })
      .on("blur", hide)
      .on("click", function (event, f) { open(f, this); })
      .on("keydown", function (event, f) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(f, this, true); }
      });
    zoom = d3.zoom()
      .scaleExtent([1, 12])
      .translateExtent([[0, 0], [WIDTH, height]])
      // the mouse drags and Ctrl + wheel zooms; a plain wheel and touches scroll the page, as
      // elsewhere (the buttons zoom on every device)
      .filter(function (event) { return event.type === "wheel" ? event.ctrlKey : !event.type.startsWith("touch") && !event.button; })
      .on("zoom", function (event) {
        if (event.sourceEvent) state.zoom = event.transform.k; // a drag or Ctrl + wheel
        layer.attr("transform", event.transform);
        svg.attr("data-zoom", String(Math.round(event.transform.k * 100) / 100));
        hide();
      });
    svg.call(zoom).on("dblclick.zoom", null).style("touch-action", "auto");
    svg.attr("data-zoom", "1");
  }

  // Zoomed in, the country the keyboard focuses is brought into view.
  function follow(path, feature) {
    if (d3.zoomTransform(svg.node()).k <= 1) return;
    const centre = path.centroid(feature);
    if (centre.every(Number.isFinite)) svg.call(zoom.translateTo, centre[0], centre[1]);
  }

  // The fill of a country: its leader's colour, a pattern when it is in two regions (hatched) or
  // has two leaders (stripes of their colours), grey when no leader is assigned.
  function fillOf(country, colours, data) {
    if (!country || country.leaders.length === 0) return data.no_leader_colour;
    const ids = country.leaders.map(function (l) { return l.id; });
    if (ids.length === 1 && !country.two_regions) return colours[ids[0]];
    const name = "fill-" + ids.join("-").replace(/[^A-Za-z0-9-]/g, "_") + (country.two_regions ? "-hatched" : "");
    const defs = svg.select("defs");
    if (defs.select("#" + name).empty()) {
      const size = 6 * ids.length;
      const pattern = defs.append("pattern").attr("id", name).attr("patternUnits", "userSpaceOnUse")
        .attr("width", size).attr("height", size).attr("patternTransform", "rotate(45)");
      ids.forEach(function (id, i) {
        pattern.append("rect").attr("x", 6 * i).attr("y", 0).attr("width", 6).attr("height", size).attr("fill", colours[id]);
      });
      if (country.two_regions) {
        pattern.append("rect").attr("class", "hatch").attr("x", 0).attr("y", 0).attr("width", 1.6).attr("height", size)
          .attr("fill", "#ffffff");
      }
    }
    return "url(#" + name + ")";
  }

  function describe(country, feature) {
    if (!country) {
      const name = (feature.properties && feature.properties.name) || "This area";
      return { name: name, regions: "not in any reference region (not in the graph's country table)", leader: "no leader assigned", extra: "" };
    }
    const regions = country.regions.length
      ? country.regions.map(function (r) { return r.label + " (" + r.basis + ")"; }).join("; ")
      : "in no reference region";
    const leader = country.leaders.length
      ? "led by " + country.leaders.map(function (l) { return l.label; }).join(" and ")
      : "no leader assigned";
    const extra = country.judgements.length ? "judgement call " + country.judgements.join(", ") : "";
    return { name: country.label, regions: regions, leader: leader, extra: extra };
  }

  function colourise(data) {
    state.data = data;
    const colours = {};
    data.companies.forEach(function (c) { colours[c.id] = c.colour; });
    const byNumeric = {};
    data.countries.forEach(function (c) { if (c.numeric) byNumeric[c.numeric] = c; });
    svg.select("defs").selectAll("pattern").remove();
    svg.select("#map-svg-title").text("World map: the leader of each country's reference region on " + data.as_of);
    paths.each(function (f) {
      const country = byNumeric[f.id];
      const said = describe(country, f);
      const label = said.name + ": " + said.regions + "; " + said.leader + (said.extra ? "; " + said.extra : "");
      d3.select(this)
        .attr("fill", fillOf(country, colours, data))
        .attr("data-alpha2", country ? country.alpha2 : "")
        .attr("data-leaders", country ? country.leaders.map(function (l) { return l.id; }).join(" ") : "")
        .attr("aria-label", label)
        .classed("judgement", Boolean(country && country.judgement_call))
        .select("title").text(label);
    });
    paths.filter(".judgement").raise();
    svg.attr("data-as-of", data.as_of).attr("data-drawn", paths.size());
    const known = paths.filter(function () { return this.getAttribute("data-alpha2"); }).size();
    say(paths.size() + " countries and areas drawn (" + known + " in the graph), leaders on " + data.as_of + ".");
  }

  // --- hover, focus, and the answer of a country -------------------------------------------------

  function show(feature, event, element) {
    if (!state.data) return;
    const country = countryOf(feature);
    const said = describe(country, feature);
    const lines = [[said.name, "strong"], [said.regions], [said.leader]];
    if (said.extra) lines.push([said.extra]);
    tooltip.replaceChildren();
    lines.forEach(function (line) {
      const el = document.createElement(line[1] || "div");
      el.textContent = line[0];
      if (line[1]) el.style.display = "block";
      tooltip.appendChild(el);
    });
    const frame = root.getBoundingClientRect();
    let x, y;
    if (event) { x = event.clientX - frame.left + 14; y = event.clientY - frame.top + 14; }
    else { const box = element.getBoundingClientRect(); x = box.left - frame.left + box.width / 2; y = box.bottom - frame.top + 6; }
    tooltip.hidden = false;
    const maxX = Math.max(0, frame.width - tooltip.offsetWidth - 4);
    tooltip.style.left = Math.min(Math.max(0, x), maxX) + "px";
    tooltip.style.top = Math.max(0, y) + "px";
  }

  function hide() { tooltip.hidden = true; }

  function countryOf(feature) {
    if (!state.data || !feature.id) return null;
    return state.data.countries.find(function (c) { return c.numeric === feature.id; }) || null;
  }

  function element(tag, text, attributes) {
    const el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text;
    Object.entries(attributes || {}).forEach(function (kv) { el.setAttribute(kv[0], kv[1]); });
    return el;
  }

  function doc(id) { return root.dataset.doc.replace(/ID$/, encodeURIComponent(id)); }

  function open(feature, target, byKeyboard) {
    if (state.selected) state.selected.classList.remove("selected");
    state.selected = target;
    target.classList.add("selected");
    const country = countryOf(feature);
    panel.hidden = false;
    layout.classList.add("with-panel");
    panel.replaceChildren(element("h2", country ? country.label : (feature.properties.name || "This area"), { id: "country-panel-title" }));
    const close = element("button", "Close", { type: "button", id: "country-panel-close" });
    close.addEventListener("click", function () { closePanel(true); });
    if (!country) {
      panel.appendChild(element("p", "Not in the graph's country table, so in no reference region: no leader is assigned."));
      panel.appendChild(close);
      if (byKeyboard) panel.focus();
      return;
    }
    const asked = ++state.asked;
    panel.appendChild(element("p", "Loading the answer…", { class: "muted" }));
    const url = root.dataset.responsibility + "?country=" + encodeURIComponent(country.alpha2 || country.id) +
      "&as_of=" + encodeURIComponent(state.asOf) + "&layer=" + encodeURIComponent(state.layer);
    getJSON(url).then(function (answer) {
      if (asked !== state.asked) return; // another country was opened meanwhile
      panel.replaceChildren(panel.firstChild);
      fillPanel(answer, country, url);
      panel.appendChild(close);
      if (byKeyboard) panel.focus();
    }).catch(function (error) {
      if (asked !== state.asked) return;
      panel.replaceChildren(panel.firstChild, element("p", "The answer could not be loaded: " + error.message), close);
    });
  }

  function fillPanel(answer, country, url) {
    panel.setAttribute("data-country", country.alpha2 || "");
    panel.appendChild(element("p", answer.note, { class: "note" }));
    answer.assignments.forEach(function (a) {
      const section = element("section");
      const heading = element("h3");
      heading.append(a.leader.label + " leads ", element("a", a.scope.label, { href: doc(a.scope.id) }));
      section.appendChild(heading);
      const facts = element("p", null, { class: "muted" });
      facts.append("Assignment ", element("a", a.id, { href: doc(a.id) }),
        ", from " + a.valid_from + (a.valid_to ? " to " + a.valid_to : "") + "; followers " +
        a.followers.map(function (f) { return f.label; }).join(", ") + " (" + a.followers_rule + ").");
      section.appendChild(facts);
      a.via.forEach(function (v) { section.appendChild(element("p", "Through " + v.label + ": " + v.basis + ".")); });
      a.sources.forEach(function (s) {
        const source = element("div", null, { class: "source" });
        source.appendChild(element("a", s.document.title || s.document.id, { href: doc(s.document.id) }));
        if (s.quote) source.appendChild(element("blockquote", "“" + s.quote + "”"));
        source.appendChild(element("span", s.fact_id + " · " + s.strength + " · " + s.layer, { class: "muted" }));
        section.appendChild(source);
      });
      panel.appendChild(section);
    });
    answer.judgements.forEach(function (j) {
      const p = element("p");
      p.append(element("strong", j.label || j.notation || j.id), " " + (j.comment || ""));
      if (j.alternative_reading) p.append(" Alternative reading: " + j.alternative_reading);
      panel.appendChild(p);
    });
    const links = element("p");
    links.append(element("a", "The answer as JSON", { href: url }), " · ",
      element("a", "the page of " + country.label, { href: doc(country.id) }));
    panel.appendChild(links);
  }

  function closePanel(refocus) {
    panel.hidden = true;
    layout.classList.remove("with-panel");
    const was = state.selected;
    if (was) was.classList.remove("selected");
    state.selected = null;
    state.asked++;
    if (refocus && was) was.focus();
  }

  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") closePanel(true); });

  // --- the date ----------------------------------------------------------------------------------

  // The leaders on another date: the map from /api/map, the legend and the table from the page
  // itself (the same template as without a script), and the address bar, without a reload.
  function moveTo(asOf, layer) {
    say("Loading the leaders on " + asOf + "…");
    const page = root.dataset.page + query(asOf, layer);
    return Promise.all([
      getJSON(root.dataset.api + query(asOf, layer)),
      fetch(page, { headers: { Accept: "text/html" } }).then(function (r) { return r.ok ? r.text() : failure(r); }),
    ]).then(function (both) {
      const fresh = new DOMParser().parseFromString(both[1], "text/html");
      ["legend", "countries", "map-date"].forEach(function (id) {
        const old = document.getElementById(id);
        const now = fresh.getElementById(id);
        if (old && now) old.replaceWith(document.importNode(now, true));
      });
      state.asOf = both[0].as_of;
      state.layer = both[0].layer;
      root.dataset.asOf = state.asOf;
      root.dataset.layer = state.layer;
      document.title = fresh.title;
      colourise(both[0]);
      history.replaceState(null, "", page);
      root.setAttribute("data-ready", state.asOf);
      if (state.selected && !panel.hidden) {
        const target = state.selected;
        open(d3.select(target).datum(), target);
      }
    }).catch(function (error) {
      say("The map could not be updated: " + error.message);
    });
  }

  if (form) {
    const dateInput = form.querySelector("input[name=as_of]");
    const layerInput = form.querySelector("select[name=layer]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (dateInput.value) moveTo(dateInput.value, layerInput.value);
    });
    [dateInput, layerInput].forEach(function (input) {
      input.addEventListener("change", function () { if (dateInput.value) moveTo(dateInput.value, layerInput.value); });
    });
  }

  // --- download ----------------------------------------------------------------------------------

  // The SVG as drawn, with a title and a legend of its own, so the file stands alone.
  function svgFile() {
    const copy = svg.node().cloneNode(true);
    const height = Number(copy.getAttribute("height"));
    const legendHeight = 28 + 20 * Math.ceil((state.data.companies.length + 1) / 4);
    copy.setAttribute("viewBox", "0 0 " + WIDTH + " " + (height + legendHeight));
    copy.setAttribute("height", height + legendHeight);
    copy.removeAttribute("role");
    copy.removeAttribute("aria-labelledby");
    copy.removeAttribute("style");
    copy.removeAttribute("data-zoom");
    copy.querySelector("g.zoom-layer").removeAttribute("transform");
    copy.querySelectorAll("path.country").forEach(function (p) {
      p.removeAttribute("tabindex");
      p.removeAttribute("role");
      p.classList.remove("selected");
      if (p.classList.contains("judgement")) {
        p.setAttribute("stroke", "#000000");
        p.setAttribute("stroke-width", "1.2");
        p.setAttribute("stroke-dasharray", "3 1.5");
      } else {
        p.setAttribute("stroke-width", "0.5");
      }
    });
    const legend = document.createElementNS(SVG_NS, "g");
    legend.setAttribute("font-family", "sans-serif");
    legend.setAttribute("font-size", "13");
    legend.setAttribute("transform", "translate(8," + (height + 8) + ")");
    const title = document.createElementNS(SVG_NS, "text");
    title.setAttribute("y", 12);
    title.textContent = "Leaders of the reference regions on " + state.data.as_of + " (alliance-kg)";
    legend.appendChild(title);
    const entries = state.data.companies.map(function (c) { return [c.colour, c.label]; })
      .concat([[state.data.no_leader_colour, "no leader assigned"]]);
    entries.forEach(function (entry, i) {
      const x = (i % 4) * 230;
      const y = 20 + 20 * Math.floor(i / 4);
      const box = document.createElementNS(SVG_NS, "rect");
      [["x", x], ["y", y], ["width", 12], ["height", 12], ["fill", entry[0]], ["stroke", "#1d2430"]].forEach(function (a) { box.setAttribute(a[0], a[1]); });
      const text = document.createElementNS(SVG_NS, "text");
      text.setAttribute("x", x + 18);
      text.setAttribute("y", y + 11);
      text.textContent = entry[1];
      legend.append(box, text);
    });
    copy.appendChild(legend);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
  }

  // Each button press aims from where the last one aimed, so quick presses add up even while
  // the previous transition runs.
  [["zoom-in", 2], ["zoom-out", 0.5]].forEach(function (button) {
    document.getElementById(button[0]).addEventListener("click", function () {
      state.zoom = Math.min(12, Math.max(1, state.zoom * button[1]));
      svg.transition().duration(200).call(zoom.scaleTo, state.zoom);
    });
  });
  document.getElementById("zoom-reset").addEventListener("click", function () {
    state.zoom = 1;
    svg.transition().duration(200).call(zoom.transform, d3.zoomIdentity);
  });

  download.addEventListener("click", function () {
    const blob = new Blob([svgFile()], { type: "image/svg+xml" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "alliance-kg-leaders-" + state.asOf + ".svg";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  });

  // --- start ---------------------------------------------------------------------------------------

  say("Drawing the map…");
  Promise.all([getJSON(root.dataset.atlas), getJSON(root.dataset.api + query(state.asOf, state.layer))])
    .then(function (both) {
      draw(both[0]);
      colourise(both[1]);
      document.querySelectorAll(".map-tools button").forEach(function (b) { b.hidden = false; });
      root.setAttribute("data-ready", state.asOf);
    })
    .catch(function (error) {
      canvas.replaceChildren(element("p", "The map could not be drawn (" + error.message + "); the table below holds the same answers.", { class: "note" }));
      say("");
    });
})();
