/* The form page: show and hide questions, constraint messages, calculates, and the
 * report into the outbox.
 *
 * Expressions are evaluated by Enketo's openrosa-xpath-evaluator against an XForm
 * instance laid out as the server's engine lays it out (pollwatch/checklists/engine.py):
 * root element spec.root, one element per group and question at its path, the
 * answer's text as XForm stores it (select_multiple space-separated), empty when
 * unanswered. Calculates are computed in form order before relevance, as on the
 * server. Answers to hidden questions are dropped, so the server sees what is shown.
 */
(function () {
  "use strict";

  // --- the instance document, shared with the tests (window.PollwatchInstance) -------

  function instanceText(value) {
    return Array.isArray(value) ? value.join(" ") : String(value);
  }

  // texts: question name -> the answer's text; absent or "" leaves the element empty.
  function buildInstance(spec, texts) {
    var doc = document.implementation.createDocument(null, spec.root, null);
    var byPath = {};
    byPath["/" + spec.root] = doc.documentElement;
    function element(path) {
      if (!byPath[path]) {
        var cut = path.lastIndexOf("/");
        var parent = element(path.slice(0, cut));
        byPath[path] = parent.appendChild(doc.createElement(path.slice(cut + 1)));
      }
      return byPath[path];
    }
    (spec.groups || []).forEach(function (group) {
      element(group.path);
    });
    spec.questions.forEach(function (question) {
      element(question.path).textContent = texts[question.name] || "";
    });
    return { doc: doc, byPath: byPath };
  }

  // The context node is the element at `path`, or the root element.
  function evaluateIn(evaluator, instance, expression, path, type) {
    var context = (path && instance.byPath[path]) || instance.doc.documentElement;
    return evaluator.evaluate(expression, context, null, type, null);
  }

  window.PollwatchInstance = { build: buildInstance, text: instanceText, evaluate: evaluateIn };

  var NO_ANSWER = ["note", "calculate"];
  // The question that carries the station code (reports/services.py STATION_QUESTION).
  var STATION = "station";

  var form = document.getElementById("entry-form");
  var specNode = document.getElementById("entry-spec");
  if (!form || !specNode) return;
  var spec = JSON.parse(specNode.textContent);
  var config = JSON.parse(document.getElementById("entry-config").textContent);
  var strings = JSON.parse(document.getElementById("entry-strings").textContent);
  var language = form.dataset.language || spec.default_language;
  var evaluator = window.OpenRosaXPath ? window.OpenRosaXPath() : null;
  var hasStationQuestion = spec.questions.some(function (question) {
    return question.name === STATION;
  });

  // --- answers from the inputs ------------------------------------------------------

  function inputs(name) {
    return Array.prototype.slice.call(form.querySelectorAll('[name="' + CSS.escape(name) + '"]'));
  }

  function rawAnswer(question) {
    if (NO_ANSWER.indexOf(question.type) >= 0) return "";
    var nodes = inputs(question.name);
    if (question.type === "select_one") {
      var picked = nodes.filter(function (node) {
        return node.checked;
      });
      return picked.length ? picked[0].value : "";
    }
    if (question.type === "select_multiple") {
      var checked = nodes
        .filter(function (node) {
          return node.checked;
        })
        .map(function (node) {
          return node.value;
        });
      // In the choices' order, as the server keeps them.
      return (question.choices || [])
        .map(function (choice) {
          return choice.value;
        })
        .filter(function (value) {
          return checked.indexOf(value) >= 0;
        });
    }
    var value = nodes.length ? nodes[0].value : "";
    return question.type === "text" ? value : value.trim();
  }

  function isEmpty(value) {
    return value === "" || value === null || value === undefined || (Array.isArray(value) && !value.length);
  }

  function evaluate(instance, expression, path, type) {
    return evaluateIn(evaluator, instance, expression, path, type);
  }

  // An expression that fails to evaluate counts as false, as on the server.
  function holds(instance, expression, path) {
    try {
      return evaluate(instance, expression, path, XPathResult.BOOLEAN_TYPE).booleanValue;
    } catch (error) {
      return false;
    }
  }

  function calculate(instance, texts) {
    spec.questions.forEach(function (question) {
      if (question.type !== "calculate" || !question.calculation) return;
      var value = "";
      try {
        value = evaluate(instance, question.calculation, question.path, XPathResult.STRING_TYPE)
          .stringValue;
      } catch (error) {
        value = "";
      }
      texts[question.name] = value;
      instance.byPath[question.path].textContent = value;
    });
  }

  function relevance(instance) {
    var groups = {};
    spec.groups.forEach(function (group) {
      var parent = group.parent ? groups[group.parent] !== false : true;
      groups[group.name] = parent && (!group.relevant || holds(instance, group.relevant, group.path));
    });
    var questions = {};
    spec.questions.forEach(function (question) {
      var inGroup = question.group ? groups[question.group] !== false : true;
      questions[question.name] =
        inGroup && (!question.relevant || holds(instance, question.relevant, question.path));
    });
    return { groups: groups, questions: questions };
  }

  // The answers shown, and what follows from them. Hiding a question drops its answer,
  // which can change what else is shown: repeat until nothing changes.
  function state() {
    var answers = {};
    spec.questions.forEach(function (question) {
      answers[question.name] = rawAnswer(question);
    });
    // A station's page leaves the station question out: the station answers it.
    if (hasStationQuestion && form.dataset.station) answers[STATION] = form.dataset.station;
    var shown = null;
    var result = null;
    for (var pass = 0; pass < 5; pass++) {
      var texts = {};
      spec.questions.forEach(function (question) {
        var visible = !shown || shown.questions[question.name];
        if (visible && !isEmpty(answers[question.name])) {
          texts[question.name] = instanceText(answers[question.name]);
        }
      });
      var instance = buildInstance(spec, texts);
      calculate(instance, texts);
      var next = relevance(instance);
      var stable = shown && JSON.stringify(next) === JSON.stringify(shown);
      shown = next;
      result = { answers: answers, texts: texts, instance: instance, relevant: shown };
      if (stable) break;
    }
    return result;
  }

  function message(messages, fallback) {
    return (
      (messages && (messages[language] || messages[spec.default_language])) || fallback
    );
  }

  function problems(current, submitting) {
    var found = {};
    spec.questions.forEach(function (question) {
      var name = question.name;
      if (NO_ANSWER.indexOf(question.type) >= 0 || !current.relevant.questions[name]) return;
      var answer = current.answers[name];
      if (isEmpty(answer)) {
        if (submitting && question.required) {
          found[name] = message(question.required_message, strings.required);
        }
        return;
      }
      if (question.type === "integer" && !/^[+-]?\d+$/.test(answer)) {
        found[name] = strings.constraint;
      } else if (question.constraint && !holds(current.instance, question.constraint, question.path)) {
        found[name] = message(question.constraint_message, strings.constraint);
      }
    });
    return found;
  }

  // --- the page ---------------------------------------------------------------------

  function wrapper(name) {
    return document.getElementById("q-" + name);
  }

  function show(node, text) {
    if (!node) return;
    var box = node.querySelector(".message");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
    node.classList.toggle("invalid", !!text);
  }

  function refresh(submitting) {
    var current = state();
    form.querySelectorAll("fieldset[data-group]").forEach(function (fieldset) {
      fieldset.hidden = current.relevant.groups[fieldset.dataset.group] === false;
    });
    spec.questions.forEach(function (question) {
      var node = wrapper(question.name);
      if (!node) return;
      node.hidden = !current.relevant.questions[question.name] || question.type === "calculate";
      var hidden = node.querySelector('input[type="hidden"]');
      if (hidden) hidden.value = current.texts[question.name] || "";
    });
    form.querySelectorAll("output[data-ref]").forEach(function (output) {
      output.textContent = current.texts[output.dataset.ref] || "";
    });
    var found = problems(current, submitting);
    spec.questions.forEach(function (question) {
      show(wrapper(question.name), found[question.name]);
    });
    return { current: current, problems: found };
  }

  function payloadAnswer(question, answer) {
    if (question.type === "integer") return parseInt(answer, 10);
    return answer;
  }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Plain HTTP on a LAN has no randomUUID; the same version-4 layout from random bytes.
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join(
      "-"
    );
  }

  function stationChoice() {
    var select = document.getElementById("entry-station");
    if (!select) return { code: form.dataset.station || "", name: form.dataset.stationName || "" };
    var option = select.options[select.selectedIndex];
    return { code: select.value, name: select.value ? option.textContent : "" };
  }

  function buildPayload(current, station) {
    var answers = {};
    spec.questions.forEach(function (question) {
      var answer = current.answers[question.name];
      if (NO_ANSWER.indexOf(question.type) >= 0 || isEmpty(answer)) return;
      if (!current.relevant.questions[question.name]) return;
      answers[question.name] = payloadAnswer(question, answer);
    });
    var payload = {
      instance_id: uuid4(),
      mission: config.mission,
      form: form.dataset.form,
      form_version: form.dataset.version,
      observed_at: new Date().toISOString(),
      answers: answers,
    };
    if (station.code) payload.station = station.code;
    return payload;
  }

  function onSubmit(event) {
    event.preventDefault();
    var status = form.querySelector(".form-status");
    var checked = refresh(true);
    var station = stationChoice();
    // Only the picker is checked here; the station question is checked as any question.
    var picker = document.getElementById("entry-station");
    var stationMissing = form.dataset.checklist === "true" && !!picker && !station.code;
    show(wrapper("__station"), stationMissing ? strings.station : "");
    var names = Object.keys(checked.problems);
    if (names.length || stationMissing) {
      status.textContent = strings.fix;
      var first = stationMissing ? wrapper("__station") : wrapper(names[0]);
      if (first) first.scrollIntoView({ block: "center" });
      return;
    }
    var payload = buildPayload(checked.current, station);
    window.PollwatchOutbox.add(payload, {
      form: form.dataset.formTitle,
      station: station.code || payload.answers[STATION] || "",
    });
    form.reset();
    refresh(false);
    status.textContent = strings.queued;
  }

  if (evaluator) {
    form.addEventListener("input", function () {
      refresh(false);
    });
    form.addEventListener("change", function () {
      refresh(false);
    });
    refresh(false);
  }
  form.addEventListener("submit", onSubmit);
  document.documentElement.dataset.entryReady = "true";
})();
