/* The service worker: the observer's pages and their assets without a network.
 *
 * Served by Django at /sw.js (pollwatch/reports/entry_views.service_worker) so that its
 * scope covers the whole site. The page sends the list of URLs to keep (its own
 * pages and the static files under their hashed names); the worker stores them.
 * Pages: network first, the stored copy when offline. Static files with a hashed
 * name never change: cache first. Anything else (the report API, other methods)
 * goes to the network untouched; the outbox on the page handles failures.
 */
"use strict";

var CACHE_VERSION = "v1";
var PAGES = "pollwatch-pages-" + CACHE_VERSION;
var ASSETS = "pollwatch-assets-" + CACHE_VERSION;
var STATIC_PREFIX = new URL(self.location.href).searchParams.get("static") || "/static/";
// Only the entry pages are stored: other pages can hold data that should not stay on a phone.
var ENTRY_PAGE = /\/m\/[^/]+\/entry\//;
// whitenoise's manifest adds a 12-character hash before the extension.
var HASHED = /\.[0-9a-f]{12}\.[a-z0-9]+$/;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("pollwatch-") === 0 && name !== PAGES && name !== ASSETS;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function isAsset(url) {
  return url.pathname.indexOf(STATIC_PREFIX) === 0;
}

function storable(response) {
  // A redirect (to the sign-in page) must not be stored in place of the page.
  return response && response.ok && !response.redirected && response.type === "basic";
}

function store(cacheName, request, response) {
  if (!storable(response)) return Promise.resolve(false);
  return caches.open(cacheName).then(function (cache) {
    return cache.put(request, response).then(function () {
      return true;
    });
  });
}

function precache(urls) {
  var failed = [];
  return Promise.all(
    urls.map(function (href) {
      var url = new URL(href, self.location.href);
      if (url.origin !== self.location.origin) return null;
      var cacheName = isAsset(url) ? ASSETS : PAGES;
      return fetch(url.href, { credentials: "same-origin", cache: "no-cache" })
        .then(function (response) {
          return store(cacheName, url.href, response);
        })
        .then(function (stored) {
          if (!stored) failed.push(url.href);
        })
        .catch(function () {
          failed.push(url.href);
        });
    })
  ).then(function () {
    return { type: "precached", count: urls.length - failed.length, failed: failed };
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "precache") return;
  event.waitUntil(
    precache(data.urls || []).then(function (result) {
      if (event.ports && event.ports[0]) event.ports[0].postMessage(result);
    })
  );
});

function offlinePage() {
  return new Response(
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
      "<title>Offline</title><p>This page was not saved on this device and there is no network.</p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
  );
}

function networkFirst(request, cacheName) {
  return fetch(request)
    .then(function (response) {
      var copy = response.clone();
      store(cacheName, request, copy);
      return response;
    })
    .catch(function () {
      return caches.match(request, { ignoreVary: true }).then(function (hit) {
        return hit || (request.mode === "navigate" ? offlinePage() : Response.error());
      });
    });
}

function cacheFirst(request) {
  return caches.match(request).then(function (hit) {
    return (
      hit ||
      fetch(request).then(function (response) {
        store(ASSETS, request, response.clone());
        return response;
      })
    );
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isAsset(url)) {
    event.respondWith(HASHED.test(url.pathname) ? cacheFirst(request) : networkFirst(request, ASSETS));
  } else if (ENTRY_PAGE.test(url.pathname) && request.mode === "navigate") {
    event.respondWith(networkFirst(request, PAGES));
  }
});
