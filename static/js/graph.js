// Research graph pictures (the profile's slice and the explorer): hovering or focusing a node
// highlights its edges and dims the others. Edges carry data-source/data-target, nodes
// data-node (templates/graph/_drawing.html). No inline style: classes only (CSP).
(function () {
  "use strict";

  function nodeOf(target) {
    return target instanceof Element ? target.closest("svg.graph [data-node]") : null;
  }

  function clear(svg) {
    svg.classList.remove("has-active");
    svg.querySelectorAll(".edge-active, .node-active").forEach(function (el) {
      el.classList.remove("edge-active", "node-active");
    });
  }

  function highlight(node) {
    var svg = node.closest("svg.graph");
    var id = node.getAttribute("data-node");
    clear(svg);
    node.classList.add("node-active");
    svg.classList.add("has-active");
    svg.querySelectorAll(".edge").forEach(function (edge) {
      if (edge.getAttribute("data-source") === id || edge.getAttribute("data-target") === id) {
        edge.classList.add("edge-active");
      }
    });
  }

  ["mouseover", "focusin"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var node = nodeOf(event.target);
      if (node) {
        highlight(node);
      }
    });
  });
  ["mouseout", "focusout"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var node = nodeOf(event.target);
      if (node && !node.contains(event.relatedTarget)) {
        clear(node.closest("svg.graph"));
      }
    });
  });
})();
