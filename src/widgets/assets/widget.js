// Widget API Engagement: what the server-rendered page does better with a script. Without it,
// the form and the links work as they are.
(function () {
  "use strict";
  var doc = document;
  var main = doc.querySelector("main.w");
  if (!main) return;

  // ——— height for the embedding page
  var lastHeight = 0;
  function postHeight() {
    // The body's own height: the document's scrollHeight never goes below the frame's height.
    var height = Math.ceil(doc.body.getBoundingClientRect().height);
    if (height === lastHeight || window.parent === window) return;
    lastHeight = height;
    window.parent.postMessage({ type: "resize", height: height, source: "api-engagement-widget" }, "*");
  }
  window.addEventListener("load", postHeight);
  window.addEventListener("resize", postHeight);
  if (window.ResizeObserver) new ResizeObserver(postHeight).observe(doc.body);
  new MutationObserver(postHeight).observe(doc.body, { childList: true, subtree: true, attributes: true });
  setInterval(postHeight, 1000);

  // ——— a live region that stays (the result count is replaced with the results)
  var live = doc.createElement("p");
  live.className = "w-sr";
  live.setAttribute("aria-live", "polite");
  doc.body.appendChild(live);
  function announce(text) {
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }

  // ——— impressions: a card counts once per page view, when at least half of it has been seen
  var observer = window.IntersectionObserver
    ? new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) return;
          observer.unobserve(entry.target);
          var url = entry.target.getAttribute("data-impression");
          if (url) fetch(url, { credentials: "omit", keepalive: true }).catch(function () {});
        });
      }, { threshold: 0.5 })
    : null;
  function watchCards() {
    var cards = doc.querySelectorAll("li[data-impression]");
    for (var i = 0; i < cards.length; i++) {
      if (observer) observer.observe(cards[i]);
      else fetch(cards[i].getAttribute("data-impression"), { credentials: "omit", keepalive: true }).catch(function () {});
    }
  }

  // ——— navigation without a full reload
  var pending = null;
  function load(url, focusKey) {
    if (pending) pending.abort();
    pending = new AbortController();
    main.setAttribute("aria-busy", "true");
    return fetch(url, { signal: pending.signal, headers: { accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (text) {
        var next = new DOMParser().parseFromString(text, "text/html");
        ["#w-filters", "#w-results"].forEach(function (selector) {
          var current = doc.querySelector(selector);
          var fresh = next.querySelector(selector);
          if (current && fresh) current.replaceWith(doc.importNode(fresh, true));
        });
        var notice = doc.querySelector(".w-notice");
        if (notice) notice.remove();
        var freshNotice = next.querySelector(".w-notice");
        if (freshNotice) doc.querySelector("#w-results").before(doc.importNode(freshNotice, true));
        history.replaceState(null, "", url);
        doc.title = next.title;
        main.removeAttribute("aria-busy");
        enhance();
        var count = doc.getElementById("w-count");
        announce((freshNotice ? freshNotice.textContent + " " : "") + (count ? count.textContent : ""));
        var target = focusKey && doc.querySelector(focusKey);
        if (!target && focusKey && focusKey.indexOf("data-page") >= 0) target = count;
        if (target) target.focus();
      })
      .catch(function (error) {
        if (error.name !== "AbortError") location.href = url;
      });
  }

  function formUrl(form) {
    var params = new URLSearchParams();
    var data = new FormData(form);
    var lists = {};
    data.forEach(function (value, key) {
      if (value === "") return;
      if (["domain", "department", "organization", "schedule", "action", "beneficiary"].indexOf(key) >= 0) (lists[key] = lists[key] || []).push(value);
      else params.set(key, value);
    });
    Object.keys(lists).forEach(function (key) { params.set(key, lists[key].join(",")); });
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  var changeTimer = 0;
  function enhance() {
    var js = doc.querySelectorAll(".w-js");
    for (var i = 0; i < js.length; i++) js[i].hidden = false;
    var form = doc.getElementById("w-filters");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        load(formUrl(form), "#w-count");
      });
      form.addEventListener("change", function (event) {
        if (event.target.id === "w-place-input") return;
        var id = event.target.id;
        clearTimeout(changeTimer);
        changeTimer = setTimeout(function () { load(formUrl(form), id ? "#" + CSS.escape(id) : null); }, 300);
      });
      setupPlace(form);
    }
    var links = doc.querySelectorAll(".w-pages a, .w-reset");
    for (var j = 0; j < links.length; j++) {
      links[j].addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        var page = this.getAttribute("data-page");
        load(this.getAttribute("href"), page ? '.w-pages a[data-page="' + page + '"]' : "#w-place-input");
      });
    }
    setupCarousel();
    watchCards();
    postHeight();
  }

  // ——— place: suggestions from the service's own reference data, or the visitor's position
  function setPlace(form, lat, lon, label) {
    ["lat", "lon", "city"].forEach(function (name, k) {
      var input = form.querySelector('input[type=hidden][name="' + name + '"]');
      if (!input) {
        input = doc.createElement("input");
        input.type = "hidden";
        input.name = name;
        form.appendChild(input);
      }
      input.value = [lat, lon, label][k];
    });
    var text = doc.getElementById("w-place-input");
    if (text) text.value = label;
    load(formUrl(form), "#w-place-input");
  }

  function setupPlace(form) {
    var input = doc.getElementById("w-place-input");
    var list = doc.getElementById("w-place-list");
    var locate = form.querySelector(".w-locate");
    if (locate) {
      if (!navigator.geolocation) locate.hidden = true;
      locate.addEventListener("click", function () {
        locate.disabled = true;
        navigator.geolocation.getCurrentPosition(
          function (position) { setPlace(form, position.coords.latitude.toFixed(5), position.coords.longitude.toFixed(5), "Autour de moi"); },
          function () { locate.disabled = false; announce("Position indisponible : saisissez une ville ou un code postal."); },
          { timeout: 10000, maximumAge: 600000 }
        );
      });
    }
    if (!input || !list) return;
    var options = [];
    var active = -1;
    var timer = 0;
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function choose(k) {
      var option = options[k];
      if (!option) return;
      close();
      setPlace(form, option.lat, option.lon, option.label);
    }
    function highlight(k) {
      active = k;
      var items = list.children;
      for (var i = 0; i < items.length; i++) items[i].setAttribute("aria-selected", i === k ? "true" : "false");
      if (items[k]) input.setAttribute("aria-activedescendant", items[k].id);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) return close();
      timer = setTimeout(function () {
        fetch("/w/places?q=" + encodeURIComponent(q), { credentials: "omit" })
          .then(function (r) { return r.json(); })
          .then(function (body) {
            options = body.data || [];
            list.textContent = "";
            options.forEach(function (option, k) {
              var li = doc.createElement("li");
              li.id = "w-place-" + k;
              li.setAttribute("role", "option");
              li.setAttribute("aria-selected", "false");
              li.textContent = option.label;
              li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(k); });
              list.appendChild(li);
            });
            if (options.length) {
              list.hidden = false;
              input.setAttribute("aria-expanded", "true");
            } else close();
            announce(options.length ? options.length + " lieux proposés" : "Aucun lieu trouvé");
          })
          .catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var n = options.length;
        highlight(event.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") close();
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  // ——— carousel: buttons, arrow keys between cards, what is shown announced
  function setupCarousel() {
    var track = doc.getElementById("w-track");
    if (!track) return;
    var prev = doc.querySelector(".w-prev");
    var next = doc.querySelector(".w-next");
    var status = doc.querySelector(".w-carousel-status");
    var cards = track.children;
    function visible() {
      var box = track.getBoundingClientRect();
      var first = -1, last = -1;
      for (var i = 0; i < cards.length; i++) {
        var r = cards[i].getBoundingClientRect();
        if (r.left >= box.left - 2 && r.right <= box.right + 2) {
          if (first < 0) first = i;
          last = i;
        }
      }
      return [Math.max(first, 0), Math.max(last, 0)];
    }
    function update() {
      var shown = visible();
      prev.disabled = shown[0] === 0;
      next.disabled = shown[1] >= cards.length - 1;
    }
    function go(direction) {
      var shown = visible();
      var count = shown[1] - shown[0] + 1;
      var target = Math.min(cards.length - 1, Math.max(0, shown[0] + direction * count));
      cards[target].scrollIntoView({ block: "nearest", inline: "start" });
      var end = Math.min(cards.length, target + count);
      status.textContent = "Missions " + (target + 1) + " à " + end + " sur " + cards.length;
    }
    prev.addEventListener("click", function () { go(-1); });
    next.addEventListener("click", function () { go(1); });
    track.addEventListener("scroll", function () { clearTimeout(track._t); track._t = setTimeout(update, 100); });
    track.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      var card = event.target.closest(".w-card");
      var k = Array.prototype.indexOf.call(cards, card);
      var target = cards[k + (event.key === "ArrowRight" ? 1 : -1)];
      if (!target) return;
      event.preventDefault();
      target.scrollIntoView({ block: "nearest", inline: "start" });
      target.querySelector(".w-card-title a").focus();
    });
    update();
  }

  enhance();
})();
