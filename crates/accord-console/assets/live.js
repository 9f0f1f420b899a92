// Live updates for the Accord console (docs/console.md, "Live updates").
//
// A page that follows the log carries an element with `data-live` (the URL
// of its Server-Sent Events stream, `/live`) and marks the parts that change
// with `data-live-region` and an id. On each event this script fetches the
// same page again and swaps those parts for the server's new rendering, then
// says so in the element's `role="status"` notice (texts come from the page,
// in its language). The page is complete without this script; it only spares
// a reload. When the session ends, the stream says `ended` and stops.
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var notice = root.querySelector(".live-notice");
  var source = new EventSource(root.getAttribute("data-live"));
  var busy = false;
  var again = false;

  function say(text) {
    if (notice && text) {
      notice.textContent = text;
    }
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var regions = document.querySelectorAll("[data-live-region]");
    for (var i = 0; i < regions.length; i++) {
      var old = regions[i];
      var replacement = fresh.getElementById(old.id);
      if (replacement) {
        old.replaceWith(document.importNode(replacement, true));
      }
    }
  }

  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (answer) {
        if (!answer.ok || answer.redirected) {
          throw new Error("not refreshed");
        }
        return answer.text();
      })
      .then(function (html) {
        swap(html);
        say(root.getAttribute("data-live-new"));
        root.setAttribute("data-live-refreshed", String(Date.now()));
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  source.onmessage = refresh;
  source.addEventListener("ended", function () {
    source.close();
    say(root.getAttribute("data-live-ended"));
  });
  window.addEventListener("pagehide", function () {
    source.close();
  });
})();
