// meizhen pages: small progressive enhancements only; every page works without script.
(function () {
  "use strict";
  // Mobile: the menu button toggles the sidebar.
  var toggle = document.querySelector(".menu-toggle");
  var sidebar = document.getElementById("sidebar");
  if (toggle && sidebar) {
    toggle.addEventListener("click", function () {
      var open = sidebar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    // Escape closes the menu and returns focus to its button.
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && sidebar.classList.contains("open")) {
        sidebar.classList.remove("open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }
  // Buttons that change something irreversible ask first.
  document.addEventListener("submit", function (e) {
    var btn = e.submitter || e.target.querySelector("[data-confirm]");
    var msg = (btn && btn.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  // Filter selects submit their form on change (keyboard users still have the button).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
})();

// 暗访督查: the sampling seed, the position of a finding, and the field
// outbox. A finding is saved on the phone (IndexedDB) before it is sent, so
// capture goes on without signal; each has its own client_id, so sending it
// again never records it twice.
(function () {
  "use strict";
  function randomHex(bytes) {
    var a = new Uint8Array(bytes);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(a);
    } else {
      for (var i = 0; i < bytes; i++) { a[i] = Math.floor(Math.random() * 256); }
    }
    var s = "";
    for (var j = 0; j < a.length; j++) { s += (a[j] < 16 ? "0" : "") + a[j].toString(16); }
    return s;
  }
  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
    return randomHex(16);
  }

  // "随机生成": a seed anyone can later use to re-draw the same sample.
  document.querySelectorAll("[data-random-seed]").forEach(function (b) {
    var input = document.getElementById(b.getAttribute("data-random-seed"));
    if (!input) { return; }
    b.hidden = false;
    b.addEventListener("click", function () {
      input.value = String(parseInt(randomHex(4), 16) % 1000000000);
      var mode = document.getElementById("mode-sample");
      if (mode) { mode.checked = true; }
      input.focus();
    });
  });

  // "获取定位": fills the hidden lat/lon inputs and says how precise it is.
  document.querySelectorAll("[data-geolocate]").forEach(function (b) {
    var status = document.getElementById("geo-status");
    var lat = document.getElementById("lat");
    var lon = document.getElementById("lon");
    if (!lat || !lon || !status) { return; }
    if (!navigator.geolocation) {
      status.textContent = "本机浏览器不支持定位（照片中的位置信息仍会被读取）";
      return;
    }
    b.hidden = false;
    b.addEventListener("click", function () {
      status.textContent = "正在定位…";
      b.disabled = true;
      navigator.geolocation.getCurrentPosition(function (p) {
        lat.value = p.coords.latitude.toFixed(6);
        lon.value = p.coords.longitude.toFixed(6);
        status.textContent = "已定位：" + lat.value + "，" + lon.value + "（精度约 " + Math.round(p.coords.accuracy) + " 米）";
        b.disabled = false;
      }, function (err) {
        status.textContent = err.code === 1 ? "定位被拒绝：请在浏览器设置中允许本网站使用位置"
          : err.code === 3 ? "定位超时，请到开阔处再试" : "暂时无法定位，请稍后再试";
        b.disabled = false;
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    });
  });

  // ---- the outbox ---------------------------------------------------------------------
  var STORE = "meizhen-outbox";
  var PENDING_KEY = "meizhen-outbox-pending";
  var form = document.getElementById("finding-form");
  var list = document.getElementById("finding-list");
  var statusEl = document.getElementById("outbox-status");
  var itemsEl = document.getElementById("outbox-list");
  if (!window.indexedDB || !window.fetch || !window.Promise || !window.FormData) { return; }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = window.indexedDB.open("meizhen", 1);
      req.onupgradeneeded = function () {
        if (!req.result.objectStoreNames.contains(STORE)) { req.result.createObjectStore(STORE, { keyPath: "id" }); }
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function inStore(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var r = fn(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(r ? r.result : undefined); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }
  var outbox = {
    put: function (item) { return inStore("readwrite", function (s) { return s.put(item); }); },
    remove: function (id) { return inStore("readwrite", function (s) { return s["delete"](id); }); },
    all: function () {
      return inStore("readonly", function (s) { return s.getAll(); }).then(function (items) {
        return (items || []).sort(function (a, b) { return a.created - b.created; });
      });
    }
  };
  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  // Why sending stopped: "" (sent or nothing to send), "offline", or a message.
  var held = "";
  var flushing = false;

  function render() {
    return outbox.all().then(function (items) {
      var waiting = items.filter(function (i) { return !i.error; }).length;
      try { window.localStorage.setItem(PENDING_KEY, String(waiting)); } catch (e) { /* private mode */ }
      if (statusEl) {
        var text = "";
        if (waiting > 0) {
          text = "待发送 " + waiting + " 条" + (held === "offline" || navigator.onLine === false ? "（离线）"
            : held ? "：" + held : flushing ? "，正在发送…" : "");
        } else if (items.length > 0) {
          text = items.length + " 条记录未能提交，请查看下面的原因";
        }
        if (statusEl.textContent !== text) { statusEl.textContent = text; }
      }
      if (!itemsEl) { return; }
      while (itemsEl.firstChild) { itemsEl.removeChild(itemsEl.firstChild); }
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = item.error ? "failed" : "";
        var what = document.createElement("span");
        what.textContent = item.label + " · " + item.place + (item.photos.length ? "（照片 " + item.photos.length + " 张）" : "");
        li.appendChild(what);
        if (item.error) {
          var err = document.createElement("span");
          err.className = "error";
          err.textContent = "未能提交：" + item.error;
          li.appendChild(err);
          var drop = document.createElement("button");
          drop.type = "button";
          drop.className = "secondary btn small";
          drop.textContent = "删除这条";
          drop.addEventListener("click", function () { outbox.remove(item.id).then(render); });
          li.appendChild(drop);
        } else {
          var wait = document.createElement("span");
          wait.className = "hint";
          wait.textContent = " 等待发送";
          li.appendChild(wait);
        }
        itemsEl.appendChild(li);
      });
    });
  }

  function addFinding(f) {
    if (!list || String(f.inspection_id) !== list.getAttribute("data-inspection")) { return; }
    if (document.getElementById("finding-" + f.id)) { return; }
    var li = document.createElement("li");
    li.id = "finding-" + f.id;
    li.className = "just-sent";
    var strong = document.createElement("strong");
    strong.textContent = f.item_code + " " + f.item_name;
    li.appendChild(strong);
    var badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "扣 " + String(f.deduction / 100) + " 分";
    li.appendChild(document.createTextNode(" "));
    li.appendChild(badge);
    var where = document.createElement("div");
    where.textContent = f.place + (f.note ? "：" + f.note : "");
    li.appendChild(where);
    var when = document.createElement("div");
    when.className = "hint";
    when.textContent = "已发送" + (f.gps_flag ? " · 定位存疑：" + f.gps_flag : "");
    li.appendChild(when);
    if (f.photos && f.photos.length) {
      var thumbs = document.createElement("div");
      thumbs.className = "thumbs";
      f.photos.forEach(function (p, n) {
        var a = document.createElement("a");
        a.href = "/inspections/photos/" + p.id + "/display";
        var img = document.createElement("img");
        img.className = "thumb";
        img.src = "/inspections/photos/" + p.id + "/thumb";
        img.alt = f.item_name + " " + f.place + " 照片 " + (n + 1);
        a.appendChild(img);
        thumbs.appendChild(a);
      });
      li.appendChild(thumbs);
    }
    list.appendChild(li);
    var none = document.getElementById("no-findings");
    if (none) { none.parentNode.removeChild(none); }
    var count = document.getElementById("finding-count");
    if (count) { count.textContent = String(list.children.length); }
  }

  function send(item) {
    var fd = new FormData();
    item.fields.forEach(function (kv) { fd.append(kv[0], kv[1]); });
    item.photos.forEach(function (p) { fd.append("photos", p.blob, p.name || "photo.jpg"); });
    return window.fetch(item.url, {
      method: "POST",
      body: fd,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" }
    });
  }

  function errorOf(res) {
    return res.json().then(function (b) { return (b && b.error) || {}; }, function () { return {}; });
  }

  // Sends what is queued, oldest first; stops at the first sign of no network.
  function flush() {
    if (flushing) { return Promise.resolve(); }
    flushing = true;
    var stop = "";
    return outbox.all().then(function (items) {
      var chain = Promise.resolve();
      items.forEach(function (item) {
        chain = chain.then(function () {
          if (item.error || stop) { return; }
          return send(item).then(function (res) {
            if (res.status === 200 || res.status === 201) {
              return res.json().then(addFinding, function () { /* recorded all the same */ })
                .then(function () { return outbox.remove(item.id); });
            }
            return errorOf(res).then(function (e) {
              if (res.status === 401) { stop = "登录已过期，请重新登录，登录后自动发送"; return; }
              if (res.status === 403 && e.code === "csrf_failed") { stop = "请刷新页面，刷新后自动发送"; return; }
              if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 409 && res.status !== 429) {
                item.error = e.message || ("提交失败（" + res.status + "）");
                return outbox.put(item);
              }
              stop = "服务器暂时无法接收，稍后自动重试";
            });
          }, function () { stop = "offline"; });
        });
      });
      return chain;
    }).then(function () {
      held = stop;
    }, function () {
      held = "";
    }).then(function () {
      flushing = false;
      return render();
    });
  }

  if (form && form.getAttribute("data-outbox-url")) {
    form.addEventListener("submit", function (e) {
      if (e.defaultPrevented) { return; }
      e.preventDefault();
      var data = new FormData(form);
      var fields = [];
      var photos = [];
      data.forEach(function (v, k) {
        if (k === "photos") {
          if (v && v.size > 0) { photos.push({ blob: v, name: v.name }); }
        } else if (k !== "client_id" && k !== "found_at") {
          fields.push([k, String(v)]);
        }
      });
      var id = newClientId();
      fields.push(["client_id", id]);
      fields.push(["found_at", String(Date.now())]);
      var select = form.querySelector("select[name=item_code]");
      var place = form.querySelector("[name=place]");
      var item = {
        id: id,
        url: form.getAttribute("data-outbox-url"),
        fields: fields,
        photos: photos,
        label: select && select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : "",
        place: place ? place.value : "",
        created: Date.now(),
        error: ""
      };
      outbox.put(item).then(function () {
        form.reset();
        ["lat", "lon"].forEach(function (n) { var i = document.getElementById(n); if (i) { i.value = ""; } });
        var geo = document.getElementById("geo-status");
        if (geo) { geo.textContent = "未定位"; }
        if (select) { select.focus(); }
        return render().then(flush);
      }, function () {
        // This phone cannot keep it (storage full or refused): send the ordinary way.
        form.submit();
      });
    });
  }

  var pending = 0;
  try { pending = parseInt(window.localStorage.getItem(PENDING_KEY) || "0", 10) || 0; } catch (e) { pending = 0; }
  if (form || list || pending > 0) {
    flush();
    window.addEventListener("online", flush);
    window.addEventListener("offline", function () { held = "offline"; render(); });
    window.setInterval(flush, 30000);
  }
})();
