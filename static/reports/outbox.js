/* The outbox: every report is written to the device before any attempt to send it,
 * and stays listed until the server has answered for good.
 *
 * States: "waiting" (not yet accepted: no network, a server error, or an expired
 * session), "sent" (with the server's receipt) and "refused" (400, 409, 413 or 422,
 * with the server's reason). A report is sent with the instance id it was made with,
 * so sending it twice is harmless: the server acknowledges the retry.
 *
 * Also registers the service worker and asks it to keep the observer's pages.
 */
(function () {
  "use strict";

  var STORE_KEY = "pollwatch.outbox.v1";
  var FINAL_REFUSALS = [400, 409, 413, 422];
  var AUTH_FAILURES = [401, 403];
  var MIN_DELAY = 5000;
  var MAX_DELAY = 5 * 60 * 1000;

  var config = readJson("entry-config") || {};
  var strings = readJson("entry-strings") || {};
  var sending = false;
  var timer = null;

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // --- storage: localStorage is synchronous, so a report is stored before the
  // submit handler returns, and it survives reloads and restarts.
  function load() {
    try {
      return JSON.parse(localStorage.getItem(STORE_KEY)) || [];
    } catch (error) {
      return [];
    }
  }

  // The reports of the observer signed in on this page; others wait for their owner.
  function mine(items) {
    return items.filter(function (item) {
      return !config.owner || item.owner === config.owner;
    });
  }

  function save(items) {
    localStorage.setItem(STORE_KEY, JSON.stringify(items));
  }

  function update(id, changes) {
    var items = load();
    items.forEach(function (item) {
      if (item.id === id) Object.assign(item, changes);
    });
    save(items);
    render();
  }

  function add(payload, label) {
    var items = load();
    items.push({
      id: payload.instance_id,
      owner: config.owner,
      payload: payload,
      label: label,
      created: payload.observed_at,
      state: "waiting",
      attempts: 0,
      nextTry: 0,
      needsSignIn: false,
    });
    save(items);
    render();
    sendAll();
  }

  // --- sending ---------------------------------------------------------------------

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function reasonOf(status, body) {
    if (!body) return "HTTP " + status;
    var parts = [];
    if (typeof body.detail === "string") parts.push(body.detail);
    (body.errors || []).forEach(function (error) {
      parts.push((error.field ? error.field + ": " : "") + (error.message || error.code || ""));
    });
    return parts.join(" ") || "HTTP " + status;
  }

  function backoff(attempts) {
    return Math.min(MAX_DELAY, MIN_DELAY * Math.pow(2, Math.max(0, attempts - 1)));
  }

  function sendOne(item) {
    return fetch(config.api, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(item.payload),
    }).then(
      function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            return settle(item, response.status, body);
          });
      },
      function () {
        retryLater(item, false);
        return "offline";
      }
    );
  }

  function settle(item, status, body) {
    if (status === 200 || status === 201) {
      update(item.id, {
        state: "sent",
        receipt: (body && body.receipt) || "",
        sentAt: new Date().toISOString(),
        needsSignIn: false,
        reason: "",
      });
      return "sent";
    }
    if (FINAL_REFUSALS.indexOf(status) >= 0) {
      update(item.id, { state: "refused", reason: reasonOf(status, body), needsSignIn: false });
      return "refused";
    }
    if (AUTH_FAILURES.indexOf(status) >= 0) {
      // An expired session: keep the report and ask for a new sign-in; the page
      // after signing in sends it.
      update(item.id, { needsSignIn: true, reason: reasonOf(status, body) });
      return "signin";
    }
    retryLater(item, true);
    return "error";
  }

  function retryLater(item, serverError) {
    var attempts = (item.attempts || 0) + 1;
    update(item.id, {
      attempts: attempts,
      nextTry: Date.now() + backoff(attempts),
      reason: serverError ? strings.retry : "",
    });
  }

  // One report at a time; stop at the first failure that would fail the rest too.
  function sendAll(force) {
    if (sending || !config.api) return Promise.resolve();
    sending = true;
    var now = Date.now();
    var due = mine(load()).filter(function (item) {
      return item.state === "waiting" && (force || !item.nextTry || item.nextTry <= now);
    });
    var chain = Promise.resolve("start");
    due.forEach(function (item) {
      chain = chain.then(function (outcome) {
        if (outcome === "offline" || outcome === "signin") return outcome;
        return sendOne(item);
      });
    });
    return chain.then(
      function () {
        sending = false;
        schedule();
      },
      function () {
        sending = false;
        schedule();
      }
    );
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    var waiting = mine(load()).filter(function (item) {
      return item.state === "waiting" && !item.needsSignIn;
    });
    if (!waiting.length) return;
    var next = Math.min.apply(
      null,
      waiting.map(function (item) {
        return item.nextTry || 0;
      })
    );
    timer = setTimeout(sendAll, Math.max(1000, next - Date.now()));
  }

  // --- the list on the page -----------------------------------------------------------

  function text(tag, className, value) {
    var node = document.createElement(tag);
    node.className = className;
    node.textContent = value;
    return node;
  }

  function describe(item) {
    var li = document.createElement("li");
    li.className = "outbox-item " + item.state;
    li.dataset.instance = item.id;
    li.dataset.state = item.state;
    var label = item.label || {};
    li.appendChild(text("span", "outbox-form", label.form || item.payload.form));
    li.appendChild(text("span", "outbox-station", label.station || strings.no_station));
    li.appendChild(text("time", "outbox-time", new Date(item.created).toLocaleString()));
    li.appendChild(text("span", "badge outbox-state " + item.state, strings[item.state] || item.state));
    if (item.state === "sent" && item.receipt) {
      li.appendChild(text("span", "outbox-receipt", (strings.receipt || "receipt") + " " + item.receipt));
    }
    var note = item.state === "waiting" && item.needsSignIn ? strings.signin : "";
    if (item.reason || note) li.appendChild(text("span", "outbox-reason", item.reason || note));
    return li;
  }

  function render() {
    var box = document.getElementById("outbox");
    if (!box) return;
    var items = mine(load());
    var list = box.querySelector(".outbox-list");
    list.replaceChildren.apply(list, items.slice().reverse().map(describe));
    box.querySelector(".outbox-empty").hidden = items.length > 0;
    box.querySelector(".signin-again").hidden = !items.some(function (item) {
      return item.state === "waiting" && item.needsSignIn;
    });
  }

  // --- offline pages ------------------------------------------------------------------

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !config.sw) return;
    var url = config.sw + "?static=" + encodeURIComponent(config["static"] || "/static/");
    navigator.serviceWorker
      .register(url, { scope: config.scope || "/" })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) {
          var failed = (event.data && event.data.failed) || [];
          document.documentElement.dataset.offlineReady = failed.length ? "partial" : "true";
          var state = document.querySelector("#outbox .offline-state");
          if (state) state.hidden = failed.length > 0;
        };
        registration.active.postMessage({ type: "precache", urls: config.offline || [] }, [
          channel.port2,
        ]);
      })
      .catch(function () {
        document.documentElement.dataset.offlineReady = "unavailable";
      });
  }

  window.PollwatchOutbox = { add: add, load: load, sendAll: sendAll, render: render };

  window.addEventListener("online", function () {
    sendAll(true);
  });
  window.addEventListener("storage", function (event) {
    if (event.key === STORE_KEY) render();
  });
  render();
  registerWorker();
  // After a sign-in, reports that waited for one are tried again at once.
  var stale = mine(load()).filter(function (item) {
    return item.needsSignIn;
  });
  stale.forEach(function (item) {
    update(item.id, { needsSignIn: false });
  });
  sendAll(true);
})();
