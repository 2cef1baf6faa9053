// Crux: recompute the report in place when a belief changes.
// The page works without this script (the belief editor is a plain form);
// with it, each edit posts the beliefs to /api/run and swaps in the results.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("beliefs");
  if (!form) return;
  var status = document.getElementById("status");
  var formError = document.getElementById("form-error");
  var timer = null;
  var controller = null;
  var generation = 0;
  var intervalPattern = /^\s*(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s+to\s+(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*$/;

  // Writes carry the CSRF token of the signed-in session (a cookie the
  // server sets at sign-in; absent when the server needs no token).
  function withCsrf(headers) {
    var match = /(?:^|;\s*)crux_csrf=([^;]*)/.exec(document.cookie);
    if (match) headers["X-CSRF-Token"] = decodeURIComponent(match[1]);
    return headers;
  }

  function params() {
    return Array.prototype.slice.call(form.querySelectorAll(".param"));
  }

  function expression(param) {
    return param.querySelector("input.expr");
  }

  function overrides() {
    var out = {};
    params().forEach(function (param) {
      var value = expression(param).value.trim();
      if (value !== param.dataset.default.trim()) out[param.dataset.param] = value;
    });
    return out;
  }

  function samples() {
    var info = document.getElementById("run-info");
    var count = info ? parseInt(info.dataset.samples, 10) : NaN;
    return isNaN(count) ? undefined : count;
  }

  // Keep the two number inputs of an interval param in step with its text.
  function syncInterval(param) {
    var low = param.querySelector("input.p5");
    var high = param.querySelector("input.p95");
    if (!low || !high) return;
    var match = intervalPattern.exec(expression(param).value);
    low.disabled = high.disabled = !match;
    if (match) {
      low.value = match[1];
      high.value = match[2];
    }
  }

  function markChanged(param) {
    var changed = expression(param).value.trim() !== param.dataset.default.trim();
    param.classList.toggle("changed", changed);
  }

  function clearErrors() {
    params().forEach(function (param) {
      var box = param.querySelector(".field-error");
      box.textContent = "";
      box.hidden = true;
      param.classList.remove("invalid");
    });
    formError.textContent = "";
    formError.hidden = true;
  }

  function describe(detail) {
    var text = detail.message;
    if (detail.line && detail.col) text += " (line " + detail.line + ", col " + detail.col + ")";
    (detail.help || []).forEach(function (help) {
      text += " — help: " + help;
    });
    return text;
  }

  function showErrors(body, code) {
    var details = body && body.error ? (body.errors && body.errors.length ? body.errors : [body.error]) : null;
    if (!details) {
      formError.textContent = "The server answered " + code + ".";
      formError.hidden = false;
      return;
    }
    details.forEach(function (detail) {
      var param = detail.param ? form.querySelector('.param[data-param="' + CSS.escape(detail.param) + '"]') : null;
      var box = param ? param.querySelector(".field-error") : formError;
      if (param) param.classList.add("invalid");
      box.textContent = box.textContent ? box.textContent + " " + describe(detail) : describe(detail);
      box.hidden = false;
    });
  }

  function pageAddress(beliefs) {
    var query = Object.keys(beliefs)
      .map(function (name) {
        return "set." + encodeURIComponent(name) + "=" + encodeURIComponent(beliefs[name]);
      })
      .join("&");
    return query ? "/?" + query : "/";
  }

  function recompute() {
    clearTimeout(timer);
    var beliefs = overrides();
    if (controller) controller.abort();
    controller = new AbortController();
    var mine = ++generation;
    status.textContent = "computing…";
    document.body.classList.add("computing");
    fetch("/api/run", {
      method: "POST",
      headers: withCsrf({ "Content-Type": "application/json", Accept: "text/html" }),
      body: JSON.stringify({ overrides: beliefs, samples: samples() }),
      signal: controller.signal,
    })
      .then(function (response) {
        if (mine !== generation) return;
        if (response.ok) {
          return response.text().then(function (html) {
            if (mine !== generation) return;
            clearErrors();
            var template = document.createElement("template");
            template.innerHTML = html;
            template.content.querySelectorAll("section[id]").forEach(function (section) {
              var current = document.getElementById(section.id);
              if (current) current.replaceWith(section);
            });
            status.textContent = "updated";
            history.replaceState(null, "", pageAddress(beliefs));
          });
        }
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            if (mine !== generation) return;
            clearErrors();
            showErrors(body, response.status);
            status.textContent = "not recomputed: see the message";
          });
      })
      .catch(function (error) {
        if (error.name !== "AbortError") status.textContent = "could not reach the server";
      })
      .finally(function () {
        if (mine === generation) document.body.classList.remove("computing");
      });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(recompute, 300);
  }

  params().forEach(function (param) {
    var input = expression(param);
    syncInterval(param);
    input.addEventListener("input", function () {
      syncInterval(param);
      markChanged(param);
      schedule();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        recompute();
      }
    });
    param.querySelectorAll("input.p5, input.p95").forEach(function (number) {
      number.addEventListener("input", function () {
        var low = param.querySelector("input.p5").value;
        var high = param.querySelector("input.p95").value;
        if (low === "" || high === "") return;
        input.value = low + " to " + high;
        markChanged(param);
        schedule();
      });
    });
    param.querySelector("button.reset").addEventListener("click", function () {
      input.value = param.dataset.default;
      syncInterval(param);
      markChanged(param);
      recompute();
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    recompute();
  });

  document.getElementById("reset-all").addEventListener("click", function (event) {
    event.preventDefault();
    params().forEach(function (param) {
      expression(param).value = param.dataset.default;
      syncInterval(param);
      markChanged(param);
    });
    recompute();
  });

  // Deleting a stored profile from the list (the server allows only its author, where there are per-person tokens).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.delete-profile") : null;
    if (!button) return;
    var row = button.closest("tr");
    var saveStatus = document.getElementById("save-status");
    if (!window.confirm("Delete this profile?")) return;
    fetch("/api/profiles/" + encodeURIComponent(button.dataset.id), { method: "DELETE", headers: withCsrf({}) })
      .then(function (response) {
        if (response.status === 204) {
          if (row) row.remove();
          if (saveStatus) saveStatus.textContent = "Profile " + button.dataset.id + " deleted.";
          return;
        }
        return response.json().then(function (body) {
          if (saveStatus) saveStatus.textContent = "not deleted: " + (body && body.error ? describe(body.error) : response.status);
        });
      })
      .catch(function () {
        if (saveStatus) saveStatus.textContent = "could not reach the server";
      });
  });

  var save = document.getElementById("save-profile");
  if (save) {
    save.addEventListener("submit", function (event) {
      event.preventDefault();
      var saveStatus = document.getElementById("save-status");
      var fields = save.elements;
      saveStatus.textContent = "saving…";
      fetch("/api/profiles", {
        method: "POST",
        headers: withCsrf({ "Content-Type": "application/json" }),
        body: JSON.stringify({
          name: fields.name.value,
          respondent: fields.respondent.value,
          notes: fields.notes.value,
          overrides: overrides(),
        }),
      })
        .then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) {
              saveStatus.textContent = "not saved: " + (body && body.error ? describe(body.error) : response.status);
              return;
            }
            saveStatus.textContent = "Saved as profile " + body.id + ".";
            return fetch("/")
              .then(function (page) {
                return page.text();
              })
              .then(function (html) {
                var template = document.createElement("template");
                template.innerHTML = html;
                var fresh = template.content.getElementById("profile-list");
                var current = document.getElementById("profile-list");
                if (fresh && current) current.replaceWith(fresh);
              });
          });
        })
        .catch(function () {
          saveStatus.textContent = "could not reach the server";
        });
    });
  }
})();
