/* The live map (templates/findings/map.html): stations coloured by status over the areas'
 * outlines, drawn with the vendored Leaflet.
 *
 * No tile server is needed: without POLLWATCH_MAP_TILE_URL the outlines lie on a plain
 * background, so the map works on a closed network. Stations come from the GeoJSON view
 * (findings_live:map_stations), each with its status and colour; missing stations are
 * drawn hollow so that the statuses differ by more than colour. The stations are read
 * again every 30 seconds, as the counts beside the map are (htmx).
 */
(function () {
  "use strict";

  const REFRESH_MS = 30000;
  const element = document.getElementById("live-map");
  if (!element || !window.L) {
    return;
  }
  const L = window.L;
  const tiles = element.dataset.tiles;

  const map = L.map(element, { attributionControl: Boolean(tiles), zoomSnap: 0.25 });
  if (tiles) {
    L.tileLayer(tiles, { attribution: element.dataset.attribution || "", maxZoom: 18 }).addTo(map);
  } else {
    element.classList.add("no-tiles");
  }

  let topDepth = 0;
  const outlines = L.geoJSON(null, {
    interactive: false,
    style: function (feature) {
      const depth = feature.properties.depth - topDepth;
      return {
        className: "area-outline",
        color: "#5b6677",
        weight: Math.max(0.6, 2 - 0.6 * depth),
        // The top areas are filled so the land stands out from a tile-less background.
        fill: depth === 0 && !tiles,
        fillColor: "#ffffff",
        fillOpacity: 1,
      };
    },
  }).addTo(map);

  function popup(properties) {
    // Built from text nodes: names come from imported files and are never read as HTML.
    const box = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = properties.code + " " + properties.name;
    box.appendChild(title);
    for (const line of [properties.area, properties.status_label]) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(line || ""));
    }
    return box;
  }

  const stations = L.geoJSON(null, {
    pointToLayer: function (feature, latlng) {
      const p = feature.properties;
      const hollow = p.status === "missing";
      return L.circleMarker(latlng, {
        className: "station-marker status-" + p.status,
        radius: 5,
        color: p.colour,
        weight: hollow ? 2 : 1,
        fillColor: hollow ? "#ffffff" : p.colour,
        fillOpacity: 0.9,
      }).bindPopup(popup(p));
    },
  }).addTo(map);

  function load(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } }).then(
      function (response) {
        if (!response.ok) {
          throw new Error(url + ": " + response.status);
        }
        return response.json();
      }
    );
  }

  function showStations(data) {
    stations.clearLayers();
    stations.addData(data);
  }

  // The outlines frame the country when there are any: stations abroad (embassies,
  // consulates) would otherwise zoom the map out to the whole world.
  function fit() {
    const bounds = outlines.getBounds();
    if (!bounds.isValid() && stations.getLayers().length) {
      bounds.extend(stations.getBounds());
    }
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12] });
    } else {
      map.setView([0, 0], 1);
    }
  }

  function failed() {
    const note = document.createElement("p");
    note.className = "map-note";
    note.textContent = element.dataset.error || "";
    element.appendChild(note);
  }

  Promise.all([load(element.dataset.outlines), load(element.dataset.stations)])
    .then(function (found) {
      const depths = found[0].features.map(function (feature) {
        return feature.properties.depth;
      });
      topDepth = depths.length ? Math.min.apply(null, depths) : 0;
      outlines.addData(found[0]);
      showStations(found[1]);
      fit();
      element.dataset.ready = "true";
      window.setInterval(function () {
        load(element.dataset.stations)
          .then(showStations)
          .catch(function () {
            // A missed refresh is retried at the next one; the map keeps what it shows.
          });
      }, REFRESH_MS);
    })
    .catch(failed);
})();
