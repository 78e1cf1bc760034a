// The operations plan's map (templates/plans/_map.html). Geography only: routes, staging
// areas, closures, first aid; never where people are.
//
// <div data-plan-map data-mode="view|edit" ...>: a view reads its GeoJSON from
// data-geojson; an editor reads and writes the form's textarea named by data-source, so
// the form posts the map with everything else (no request of its own). The server checks
// what arrives (tracker/plans/geo.py). Without tiles the shapes draw on a blank ground.
(function () {
  "use strict";

  var SHAPES = { Point: "point", LineString: "line", Polygon: "area" };
  var DEFAULT_KIND = { LineString: "route", Polygon: "staging", Point: "first_aid" };

  function parse(text) {
    try {
      var data = JSON.parse(text || "");
      if (data && data.type === "FeatureCollection" && Array.isArray(data.features)) {
        return data;
      }
    } catch (ignored) { /* an empty or unreadable map starts empty */ }
    return { type: "FeatureCollection", features: [] };
  }

  function geometryOf(layer) {
    if (layer instanceof L.Marker) { return "Point"; }
    if (layer instanceof L.Polygon) { return "Polygon"; }
    return "LineString";
  }

  function setup(element) {
    var editing = element.getAttribute("data-mode") === "edit";
    var source = editing ? document.getElementById(element.getAttribute("data-source")) : null;
    var kinds = JSON.parse(element.getAttribute("data-kinds"));
    var data = parse(editing ? source.value : element.getAttribute("data-geojson"));
    var list = document.getElementById(element.getAttribute("data-list"));
    var center = element.getAttribute("data-center").split(",").map(Number);
    var map = L.map(element, { keyboard: true, zoomControl: true, attributionControl: true });
    var tiles = element.getAttribute("data-tile-url");
    if (tiles) {
      L.tileLayer(tiles, { attribution: element.getAttribute("data-attribution") || "",
                           maxZoom: 19, subdomains: "abc" }).addTo(map);
    }
    var group = L.featureGroup().addTo(map);
    var selected = null;

    function colour(kind) { return (kinds[kind] || kinds.other)[2]; }

    function restyle(layer) {
      var props = layer.feature.properties;
      if (layer.setStyle) {
        layer.setStyle({ color: colour(props.kind), weight: props.kind === "route" ? 5 : 3,
                         fillOpacity: 0.2 });
      }
      var text = (kinds[props.kind] || kinds.other)[0] + (props.label ? ": " + props.label : "");
      layer.unbindTooltip();
      layer.bindTooltip(text);
      if (layer instanceof L.Marker && layer.getElement()) {
        layer.getElement().setAttribute("title", text);
        layer.getElement().setAttribute("alt", text);
      }
    }

    function adopt(layer, properties) {
      layer.feature = { type: "Feature",
                        properties: { kind: properties.kind, label: properties.label || "" } };
      group.addLayer(layer);
      restyle(layer);
      if (editing) {
        layer.on("click", function () { select(layer); });
        layer.on("pm:edit pm:dragend pm:markerdragend pm:vertexremoved", save);
      }
    }

    data.features.forEach(function (feature) {
      var layer = L.GeoJSON.geometryToLayer(feature, {
        pointToLayer: function (f, latlng) { return L.marker(latlng, { keyboard: true }); }
      });
      adopt(layer, feature.properties || {});
    });

    if (group.getLayers().length) {
      map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 17 });
    } else {
      map.setView(center, Number(element.getAttribute("data-zoom")) || 13);
    }

    function features() {
      return group.getLayers().map(function (layer) {
        var feature = layer.toGeoJSON(7);
        feature.properties = { kind: layer.feature.properties.kind,
                               label: layer.feature.properties.label };
        return feature;
      });
    }

    function renderList() {
      if (!list) { return; }
      var items = group.getLayers();
      while (list.firstChild) { list.removeChild(list.firstChild); }
      if (!items.length) {
        var empty = document.createElement("li");
        empty.textContent = "Nothing drawn yet.";
        list.appendChild(empty);
        return;
      }
      items.forEach(function (layer, index) {
        var props = layer.feature.properties;
        var item = document.createElement("li");
        var text = (index + 1) + ". " + (kinds[props.kind] || kinds.other)[0] + " (" +
          SHAPES[geometryOf(layer)] + "): " + (props.label || "no label");
        if (editing) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "link-button";
          button.textContent = text;
          button.setAttribute("aria-pressed", layer === selected ? "true" : "false");
          button.addEventListener("click", function () { select(layer); });
          item.appendChild(button);
        } else {
          item.textContent = text;
        }
        list.appendChild(item);
      });
    }

    function save() {
      if (editing) {
        var items = features();
        source.value = items.length ?
          JSON.stringify({ type: "FeatureCollection", features: items }) : "";
      }
      renderList();
    }

    if (!editing) { renderList(); return; }

    // ---- editing ----------------------------------------------------------------------
    var panel = document.getElementById(element.getAttribute("data-panel"));
    var kindSelect = panel.querySelector("[data-map-kind]");
    var labelInput = panel.querySelector("[data-map-label]");
    var heading = panel.querySelector("[data-map-selected]");

    function select(layer) {
      selected = layer;
      var props = layer.feature.properties;
      var shape = geometryOf(layer);
      Array.prototype.forEach.call(kindSelect.options, function (option) {
        var allowed = kinds[option.value] && kinds[option.value][1].indexOf(shape) >= 0;
        option.disabled = !allowed;
        option.hidden = !allowed;
      });
      kindSelect.value = props.kind;
      labelInput.value = props.label;
      heading.textContent = "Selected: feature " + (group.getLayers().indexOf(layer) + 1) +
        " (" + SHAPES[shape] + ")";
      panel.hidden = false;
      renderList();
    }

    kindSelect.addEventListener("change", function () {
      if (!selected) { return; }
      selected.feature.properties.kind = kindSelect.value;
      restyle(selected);
      save();
    });
    labelInput.addEventListener("input", function () {
      if (!selected) { return; }
      selected.feature.properties.label = labelInput.value;
      restyle(selected);
      save();
    });
    panel.querySelector("[data-map-remove]").addEventListener("click", function () {
      if (!selected) { return; }
      group.removeLayer(selected);
      map.removeLayer(selected);
      selected = null;
      panel.hidden = true;
      save();
    });

    map.pm.setGlobalOptions({ layerGroup: group, snappable: false });
    map.pm.addControls({
      position: "topleft", drawMarker: true, drawPolyline: true, drawPolygon: true,
      drawRectangle: true, drawCircle: false, drawCircleMarker: false, drawText: false,
      cutPolygon: false, rotateMode: false, editMode: true, dragMode: true,
      removalMode: true
    });
    // The toolbar's buttons carry their names on the container: give them to the
    // buttons themselves, for screen readers.
    Array.prototype.forEach.call(element.querySelectorAll(".button-container[title]"),
      function (container) {
        var button = container.querySelector(".leaflet-buttons-control-button");
        if (button) { button.setAttribute("aria-label", container.getAttribute("title")); }
      });
    map.on("pm:create", function (event) {
      var layer = event.layer;
      group.removeLayer(layer);  // adopt() adds it back with its properties
      adopt(layer, { kind: DEFAULT_KIND[geometryOf(layer)], label: "" });
      save();
      select(layer);
      labelInput.focus();
    });
    map.on("pm:remove", function (event) {
      group.removeLayer(event.layer);
      if (selected === event.layer) { selected = null; panel.hidden = true; }
      save();
    });
    renderList();
  }

  function start() {
    if (typeof L === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-plan-map]"), function (el) {
      if (el.getAttribute("data-ready")) { return; }
      el.setAttribute("data-ready", "1");
      setup(el);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
