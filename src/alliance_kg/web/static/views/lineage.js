// The lineage diagram of a model or a platform (templates/_lineage_diagram.html): fetches the
// JSON of /api/lineage/<id> named by the <svg>'s data-source, lays the tree out with dagre
// (global `dagre`, /vendor/dagre.min.js; a DAG, not only a tree: a model may derive from one
// model and sit on a platform) and draws it: a box per model or platform (<g data-node=id>,
// linked to its page), a line per link, parents above (or to the left), each line labelled
// "<relation> · <strength>" and linked to its strongest source. Without this script, or without
// dagre, the page keeps the table of every link, which the figure's caption links to.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  // Short names of the relations on the lines (the table below the figure uses the same).
  const RELATIONS = { derived_from: "derived from", sits_on_platform: "on platform", platform_variant_of: "variant of" };
  const STRENGTHS = ["stated", "implied", "attributed", "opinion"];
  // The smallest the figure is shrunk to fit its box: below it, names would fall under 12 px,
  // so the box scrolls sideways instead.
  const MIN_SCALE = 0.85;
  // Characters per line of a name in a box.
  const WRAP = 20;
  let figures = 0;

  document.querySelectorAll("svg.lineage-svg[data-source]").forEach(start);

  function start(svg) {
    const figure = svg.closest("figure");
    const status = figure ? figure.querySelector(".lineage-status") : null;
    const say = function (text) { if (status) status.textContent = text; };
    if (!window.dagre || !window.fetch) {
      say("The diagram cannot be drawn in this browser (its layout library did not load); the list below has every link.");
      return;
    }
    fetch(svg.getAttribute("data-source"), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error("the lineage answered " + r.status)); })
      .then(function (answer) {
        const drawn = draw(svg, answer);
        const models = drawn.nodes.filter(function (n) { return n.kind !== "platform"; }).length;
        const counts = [plural(models, "model"), plural(drawn.nodes.length - models, "platform")].filter(function (t) { return t[0] !== "0"; });
        say(counts.join(", ") + " and " + plural(drawn.edges.length, "link") + ", drawn " +
            (drawn.direction === "TB" ? "from top to bottom" : "from left to right") + "; arrows point to where a thing comes from.");
      })
      .catch(function (error) { say("The diagram could not be drawn (" + error.message + "); the list below has every link."); });
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // --- what to draw -------------------------------------------------------------------------

  // The nodes (models and platforms, each once) and the links of an answer of /api/lineage.
  // Every link points upwards in the data (a model derives from, or sits on, its parent); the
  // layout puts the parent first.
  function model(answer) {
    const nodes = new Map();
    const ids = answer.item.iri.slice(0, answer.item.iri.length - answer.item.id.length);
    function add(ref, kind, role, brand) {
      const known = nodes.get(ref.id);
      if (known) return known;
      const node = { id: ref.id, iri: ref.iri, label: ref.label, kind: kind, role: role, brand: brand || null };
      nodes.set(ref.id, node);
      return node;
    }
    add(answer.item, answer.item.kind, "item", answer.item.brand);
    (answer.ancestors || []).forEach(function (n) { add(n, n.kind, "ancestor", n.brand); });
    (answer.descendants || []).forEach(function (n) { add(n, n.kind, "descendant", n.brand); });
    (answer.platforms || []).concat(answer.platform_families || []).forEach(function (p) { add(p, "platform", "ancestor"); });
    const edges = (answer.edges || []).map(function (e, i) {
      add(e.subject, e.relation === "platform_variant_of" ? "platform" : "model", "related");
      add(e.object, e.relation === "derived_from" ? "model" : "platform", "related");
      return { index: i, data: e, parent: e.object.id, child: e.subject.id, source: mainSource(e) };
    });
    return { nodes: nodes, edges: edges, page: function (iri) { return pageOf(iri, ids); } };
  }

  // The page of a thing of the dataset (its IRI under the item's namespace): /doc/<id>.
  function pageOf(iri, ids) {
    if (!iri || iri.indexOf(ids) !== 0 || iri.length === ids.length) return null;
    return "/doc/" + encodeURIComponent(iri.slice(ids.length));
  }

  // The source a link's label points to: the strongest of the link's own layer (whose strength
  // the label shows), else the strongest of any.
  function mainSource(e) {
    const sources = e.sources || [];
    const own = sources.filter(function (s) { return s.layer === e.layer; });
    const rank = function (s) { const i = STRENGTHS.indexOf(s.strength); return i < 0 ? STRENGTHS.length : i; };
    return (own.length ? own : sources).slice().sort(function (a, b) { return rank(a) - rank(b); })[0] || null;
  }

  function edgeLines(e) {
    const relation = RELATIONS[e.relation] || e.relation.replace(/_/g, " ");
    const layers = Object.keys(e.strength_by_layer || {});
    const more = [];
    if (e.kind) more.push(e.kind.replace(/_/g, " "));
    if (layers.length > 1) {
      more.push(layers.map(function (l) { return l + ": " + (e.strength_by_layer[l] || "no strength"); }).join(", "));
    } else {
      more.push(e.layer + " layer");
    }
    return [relation + " · " + (e.strength || "no strength"), more.join(" · ")];
  }

  function wrap(text) {
    const lines = [];
    let line = "";
    text.split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > WRAP) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    });
    if (line) lines.push(line);
    return lines;
  }

  function subline(node) {
    if (node.kind === "platform") return "platform";
    return node.brand ? "model · " + node.brand.label : "model";
  }

  // --- measuring and laying out ---------------------------------------------------------------

  function el(name, attributes, parent) {
    const element = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (k) { element.setAttribute(k, attributes[k]); });
    if (parent) parent.appendChild(element);
    return element;
  }

  // Widths of texts as the stylesheet sets them (a probe with the same classes, then removed).
  function measurer(svg) {
    const probe = el("g", { "aria-hidden": "true" }, svg);
    const texts = {
      name: el("text", { class: "name" }, el("g", { class: "node node-item" }, probe)),
      sub: el("text", { class: "sub" }, el("g", { class: "node" }, probe)),
      rel: el("text", { class: "rel" }, el("g", { class: "edge-label" }, probe)),
      relsub: el("text", { class: "sub" }, el("g", { class: "edge-label" }, probe)),
    };
    return {
      width: function (kind, text) { texts[kind].textContent = text; return texts[kind].getComputedTextLength(); },
      done: function () { probe.remove(); },
    };
  }

  const NAME_LINE = 17, SUB_LINE = 15, PAD_X = 10, PAD_Y = 8;

  function size(m, measure) {
    m.nodes.forEach(function (n) {
      n.lines = wrap(n.label);
      n.sub = subline(n);
      const widest = Math.max.apply(null, n.lines.map(function (l) { return measure.width("name", l); }).concat([measure.width("sub", n.sub)]));
      n.width = Math.ceil(widest + 2 * PAD_X);
      n.height = PAD_Y * 2 + n.lines.length * NAME_LINE + SUB_LINE;
    });
    m.edges.forEach(function (e) {
      e.lines = edgeLines(e.data);
      e.width = Math.ceil(Math.max(measure.width("rel", e.lines[0]), measure.width("relsub", e.lines[1])) + 12);
      e.height = 36;
    });
  }

  function layout(m, direction) {
    const g = new window.dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: direction, nodesep: 22, ranksep: 40, edgesep: 14, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(function () { return {}; });
    m.nodes.forEach(function (n) { g.setNode(n.id, { width: n.width, height: n.height }); });
    m.edges.forEach(function (e) {
      g.setEdge(e.parent, e.child, { width: e.width, height: e.height, labelpos: "c" }, "link" + e.index);
    });
    window.dagre.layout(g);
    return g;
  }

  // Top to bottom when it fits the box (or is the narrower), else left to right: a platform
  // family puts a dozen models side by side, which stack far better in rows than in columns.
  function arrange(m, available) {
    const down = layout(m, "TB");
    if (down.graph().width <= available) return { graph: down, direction: "TB" };
    const across = layout(m, "LR");
    return across.graph().width < down.graph().width ? { graph: across, direction: "LR" } : { graph: down, direction: "TB" };
  }

  // --- drawing --------------------------------------------------------------------------------

  function path(points) {
    let d = "M" + points[0].x + "," + points[0].y;
    for (let i = 1; i < points.length - 1; i++) {
      const p = points[i], q = points[i + 1];
      d += " Q" + p.x + "," + p.y + " " + (p.x + q.x) / 2 + "," + (p.y + q.y) / 2;
    }
    const last = points[points.length - 1];
    return d + " L" + last.x + "," + last.y;
  }

  function draw(svg, answer) {
    const m = model(answer);
    const prefix = "lineage" + (++figures);
    svg.replaceChildren();
    const measure = measurer(svg);
    size(m, measure);
    measure.done();
    const box = svg.parentElement;
    const chosen = arrange(m, Math.max(box.clientWidth - 2, 200));
    const g = chosen.graph;
    const width = Math.ceil(g.graph().width), height = Math.ceil(g.graph().height);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.style.width = "100%";
    svg.style.maxWidth = width + "px";
    svg.style.minWidth = Math.min(width, Math.ceil(width * MIN_SCALE)) + "px";

    const defs = el("defs", {}, svg);
    Object.keys(RELATIONS).forEach(function (relation) {
      const marker = el("marker", {
        id: prefix + "-" + relation, viewBox: "0 0 10 10", refX: "9", refY: "5",
        markerWidth: "8", markerHeight: "8", orient: "auto", class: "edge-" + relation,
      }, defs);
      el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }, marker);
    });

    const lines = el("g", { class: "edges", "aria-hidden": "true" }, svg);
    const boxes = el("g", { class: "nodes" }, svg);
    const labels = el("g", { class: "edge-labels" }, svg);

    m.edges.forEach(function (e) {
      const laid = g.edge(e.parent, e.child, "link" + e.index);
      const group = el("g", {
        class: "edge edge-" + e.data.relation,
        "data-edge": e.data.subject.id + " " + e.data.relation + " " + e.data.object.id,
      }, lines);
      // from the child to the parent: the arrow points to where the thing comes from
      el("path", { d: path(laid.points.slice().reverse()), "marker-end": "url(#" + prefix + "-" + e.data.relation + ")" }, group);
      drawLabel(labels, e, laid, m);
    });

    const order = Array.from(m.nodes.values()).sort(function (a, b) {
      const p = g.node(a.id), q = g.node(b.id);
      return chosen.direction === "TB" ? p.y - q.y || p.x - q.x : p.x - q.x || p.y - q.y;
    });
    order.forEach(function (n) { drawNode(boxes, n, g.node(n.id), m); });

    svg.setAttribute("data-direction", chosen.direction);
    svg.setAttribute("data-drawn", "true");
    box.classList.add("drawn");
    // a figure wider than its box scrolls: start with the item in view, not the left edge
    const item = g.node(answer.item.id);
    if (item && box.scrollWidth > box.clientWidth) {
      const scale = svg.getBoundingClientRect().width / width;
      box.scrollLeft = Math.max(0, item.x * scale - box.clientWidth / 2);
    }
    return { nodes: order, edges: m.edges, direction: chosen.direction };
  }

  function drawNode(parent, n, laid, m) {
    const classes = ["node", "node-" + (n.kind === "platform" ? "platform" : "model")];
    if (n.role === "item") classes.push("node-item");
    const group = el("g", {
      class: classes.join(" "), "data-node": n.id, "data-kind": n.kind,
      transform: "translate(" + (laid.x - n.width / 2) + "," + (laid.y - n.height / 2) + ")",
    }, parent);
    const href = m.page(n.iri);
    const target = href ? el("a", { href: href }, group) : group;
    const what = subline(n) + (n.role === "item" ? ", the item of this diagram" : "");
    target.setAttribute("aria-label", n.label + " (" + what + ")");
    const radius = n.kind === "platform" ? 0 : 10;
    el("rect", { class: "ring", x: -5, y: -5, width: n.width + 10, height: n.height + 10, rx: radius ? radius + 4 : 2 }, target);
    el("rect", { class: "box", width: n.width, height: n.height, rx: radius }, target);
    n.lines.forEach(function (line, i) {
      el("text", { class: "name", x: PAD_X, y: PAD_Y + (i + 1) * NAME_LINE - 4 }, target).textContent = line;
    });
    el("text", { class: "sub", x: PAD_X, y: PAD_Y + n.lines.length * NAME_LINE + SUB_LINE - 3 }, target).textContent = n.sub;
    el("title", {}, target).textContent = n.label + " (" + what + ")";
  }

  function drawLabel(parent, e, laid, m) {
    const group = el("g", {
      class: "edge-label edge-label-" + e.data.relation,
      "data-edge": e.data.subject.id + " " + e.data.relation + " " + e.data.object.id,
      transform: "translate(" + (laid.x - e.width / 2) + "," + (laid.y - e.height / 2) + ")",
    }, parent);
    const s = e.source;
    const href = s ? m.page(s.statement_iri) : null;
    const target = href ? el("a", { href: href }, group) : group;
    const said = e.data.subject.label + " " + (RELATIONS[e.data.relation] || e.data.relation) + " " + e.data.object.label +
      ": " + e.lines[0].split(" · ")[1] + " (" + e.lines[1] + ")" +
      (s ? "; source " + (s.fact_id || s.statement) + " in " + (s.document.title || s.document.id) + (s.quote ? ": “" + s.quote + "”" : "") : "; no source");
    target.setAttribute("aria-label", said);
    el("rect", { class: "ring", x: -4, y: -4, width: e.width + 8, height: e.height + 8, rx: 6 }, target);
    el("rect", { class: "bg", width: e.width, height: e.height, rx: 4 }, target);
    el("text", { class: "rel", x: 6, y: 15 }, target).textContent = e.lines[0];
    el("text", { class: "sub", x: 6, y: 30 }, target).textContent = e.lines[1];
    el("title", {}, target).textContent = said;
  }
})();
