// The fill-in form of one target, built from the facts JSON Schema (GET …/schema).
// Plain JavaScript, no build step, nothing from outside this server: it works on an intranet.
// Every change re-scores the unit through POST …/assess; the sheet downloads as HTML or Excel.
"use strict";
(function () {
  var root = document.getElementById("form");
  var pack = root.dataset.pack, target = root.dataset.target;
  // data-root: the path prefix the service is reached under behind a proxy (govrules serve --root-path), else "".
  var base = root.dataset.root + "/packs/" + encodeURIComponent(pack) + "/targets/" + encodeURIComponent(target);
  var schema = null, fields = {}, selfInputs = {}, numbers = [], timer = null, seq = 0;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "className") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }

  function resolve(node) {
    // A fact's schema is anyOf [its type, null]; discretionary facts point into $defs.
    if (node && node.anyOf) node = node.anyOf.filter(function (x) { return x.type !== "null"; })[0];
    if (node && node.$ref) node = schema.$defs[node.$ref.split("/").pop()];
    return node || {};
  }

  function factField(name, prop) {
    var kind = prop["x-govrules-type"], inner = resolve(prop), id = "fact-" + name;
    var box = el("div", { className: "fact", "data-fact": name, "data-kind": kind });
    box.appendChild(el("label", { "for": id, text: prop.title || name }));
    var input, get;
    if (kind === "count" || kind === "number") {
      input = el("input", { id: id, name: name, type: "number", min: inner.minimum !== undefined ? inner.minimum : "", step: kind === "count" ? "1" : "any" });
      if (inner.maximum !== undefined) input.setAttribute("max", inner.maximum);
      // Sent as typed, 3.5 and 1e3 included: the server says what is wrong with a count that is not a whole number
      // (parseInt read 3.5 as 3 and 1e3 as 1, silently).
      get = function () { return input.value === "" ? undefined : Number(input.value); };
      numbers.push({ input: input, where: "facts." + name });
    } else if (kind === "boolean") {
      input = el("select", { id: id, name: name }, [el("option", { value: "", text: "（未填）" }), el("option", { value: "true", text: "是" }), el("option", { value: "false", text: "否" })]);
      get = function () { return input.value === "" ? undefined : input.value === "true"; };
    } else if (kind === "date") {
      input = el("input", { id: id, name: name, type: "date" });
      get = function () { return input.value || undefined; };
    } else if (kind === "choice") {
      input = el("select", { id: id, name: name }, [el("option", { value: "", text: "（未填）" })].concat((inner.enum || []).map(function (v) { return el("option", { value: v, text: v }); })));
      get = function () { return input.value || undefined; };
    } else if (kind === "subset") {
      // The list names what is missing (列出缺少的项); "none missing" is its own box, so an empty list is a recorded answer.
      var none = el("input", { type: "checkbox", id: id, name: name + ".none" });
      var boxes = (inner.items && inner.items.enum || []).map(function (v, i) { return el("input", { type: "checkbox", id: id + "-" + i, name: name, value: v }); });
      input = el("div", { className: "checks" }, [el("label", {}, [none, document.createTextNode("均不缺少")])].concat(boxes.map(function (b) { return el("label", {}, [b, document.createTextNode(b.value)]); })));
      boxes.forEach(function (b) { b.addEventListener("change", function () { if (b.checked) none.checked = false; }); });
      none.addEventListener("change", function () { if (none.checked) boxes.forEach(function (b) { b.checked = false; }); });
      get = function () { var picked = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; }); return picked.length || none.checked ? picked : undefined; };
    } else if (kind === "discretionary") {
      var pts = inner.properties.points;
      var points = el("input", { id: id, name: name + ".points", type: "number", min: "0", max: pts.maximum, step: pts.multipleOf || "0.01", placeholder: "扣分" });
      var reason = el("input", { id: id + "-reason", name: name + ".reason", type: "text", className: "reason", placeholder: "扣分理由（扣分时必填）" });
      input = el("div", {}, [points, reason]);
      numbers.push({ input: points, where: "facts." + name });
      get = function () {
        if (points.value === "") return undefined;
        var v = { points: Number(points.value), reason: reason.value };
        reason.required = v.points > 0;
        return v;
      };
    } else {
      // dates and spans: one per line (2023-01-05, or 2024-09-27/2024-10-28)
      input = el("textarea", { id: id, name: name, placeholder: kind === "spans" ? "每行一项：开始/结束，如 2024-09-27/2024-10-28" : "每行一个日期，如 2023-01-05" });
      get = function () { var lines = input.value.split(/[\n,，、]+/).map(function (s) { return s.trim(); }).filter(Boolean); return input.value.trim() === "" ? undefined : lines; };
    }
    box.appendChild(input);
    if (prop.description) box.appendChild(el("div", { className: "hint", text: prop.description }));
    box.appendChild(el("div", { className: "problem", "data-problem": "facts." + name }));
    box.addEventListener("input", changed);
    box.addEventListener("change", changed);
    fields[name] = get;
    return box;
  }

  function assessment() {
    var facts = {}, self = {};
    Object.keys(fields).forEach(function (n) { var v = fields[n](); if (v !== undefined) facts[n] = v; });
    Object.keys(selfInputs).forEach(function (i) { var v = selfInputs[i].value; if (v !== "") self[i] = Number(v); });
    var unit = document.getElementById("unit").value.trim();
    var data = { target: target, facts: facts, self_assessment: self };
    if (unit) data.unit = unit;
    return data;
  }

  function unreadable() {
    // A number field holding what the browser cannot read as a number ("1e", "1-") has the value "", which would
    // be sent as not filled and scored without it: it is a problem of its own, and nothing is sent.
    return numbers.filter(function (n) { return n.input.validity.badInput; }).map(function (n) {
      return { where: n.where, message: "不是有效的数字" };
    });
  }

  function refusedHere(bad) {
    refused({ summary: "输入有误：有 " + bad.length + " 处数字无法识别", problems: bad });
  }

  function changed() { clearTimeout(timer); timer = setTimeout(rescore, 250); }

  function post(format) {
    return fetch(base + "/assess" + (format ? "?format=" + format : ""), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(assessment()),
    });
  }

  function showProblems(problems) {
    var slots = {};
    document.querySelectorAll("[data-problem]").forEach(function (p) { p.textContent = ""; slots[p.dataset.problem] = p; });
    var general = document.getElementById("problems");
    general.textContent = "";
    (problems || []).forEach(function (p) {
      // A problem goes next to its field: the one its path names, else the nearest above it, so that
      // facts.dates.1 / facts.dates[1] (a list's element) and facts.x.points (a deduction's part) land on
      // facts.dates / facts.x. Item ids hold dots (self_assessment.xz.1), hence the whole path is tried first.
      var path = p.where, slot = null;
      while (!slot && /^(facts|self_assessment)\./.test(path)) {
        slot = slots[path] || null;
        var up = path.replace(/(\[[^\]]*\]|\.[^.\[]*)$/, "");
        if (up === path) break;
        path = up;
      }
      if (slot) slot.textContent = slot.textContent ? slot.textContent + "；" + p.message : p.message;
      else general.appendChild(el("li", { text: p.where + "：" + p.message }));
    });
  }

  function answer(r) {
    // A refusal's body: the service's problem JSON, or, from a proxy in front of it, a page that is not JSON.
    return r.json().catch(function () { return { summary: "评分服务出错（HTTP " + r.status + "），请稍后重试" }; });
  }

  function unreachable(e) {
    // The browser's own words for a network error are English: the reason goes to the console, the office reads Chinese.
    console.error(e);
    document.getElementById("status").textContent = "无法连接评分服务，请检查网络后重试";
  }

  function refused(body) {
    // No score stands for a refused input: the previous answer's item scores would read as this one's.
    document.getElementById("total").textContent = "—";
    document.getElementById("status").textContent = body.summary || "输入有误";
    showProblems(body.problems);
    document.querySelectorAll("#items tbody tr").forEach(function (row) {
      row.className = "";
      row.querySelector(".final").textContent = "—";
    });
  }

  function rescore() {
    var mine = ++seq, bad = unreadable();
    if (bad.length) { refusedHere(bad); return; } // ++seq: an answer still on its way is not shown over this
    post().then(function (r) { return (r.ok ? r.json() : answer(r)).then(function (body) { return { status: r.status, body: body }; }); }).then(function (a) {
      if (mine !== seq) return; // an older answer arriving late
      if (a.status !== 200) {
        refused(a.body);
        return;
      }
      showProblems([]);
      var res = a.body, total = document.getElementById("total"), status = document.getElementById("status");
      total.textContent = res.total === null ? "—" : res.total;
      document.getElementById("max").textContent = res.max_total === null ? "" : " / " + res.max_total;
      // The office knows its items by name (an item's names run from its top section down to itself), not by id.
      var names = {};
      res.items.forEach(function (item) { names[item.id] = item.names[item.names.length - 1]; });
      status.textContent = res.complete ? "已完成" : "未完成：尚未填写 " + res.not_checked.map(function (id) { return names[id] || id; }).join("、") + " 所需的事实";
      res.items.forEach(function (item) {
        var row = document.getElementById("item-" + item.id);
        if (!row) return;
        row.className = item.status;
        row.querySelector(".final").textContent = item.score === null ? "—" : item.score;
      });
    }).catch(unreachable);
  }

  function sheetName(ext) {
    // A sheet per unit, named after it (北洲子镇评分表.html), so that an office's downloads do not overwrite each other;
    // what no file system takes in a name (Windows' / \ : * ? " < > | and control characters) becomes _.
    var unit = document.getElementById("unit").value.trim().replace(/[\/\\:*?"<>|\u0000-\u001f\u007f]/g, "_");
    return unit + "评分表." + ext;
  }

  function download(format) {
    var name = sheetName(format);
    var bad = unreadable();
    if (bad.length) { refusedHere(bad); return; }
    post(format).then(function (r) {
      // A refusal is shown as the rescoring shows one, never saved as a sheet.
      if (!r.ok) return answer(r).then(refused);
      return r.blob().then(function (blob) {
        var a = el("a", { href: URL.createObjectURL(blob), download: name });
        document.body.appendChild(a); a.click(); a.remove();
      });
    }).catch(unreachable);
  }

  function itemsTable(result) {
    var rows = result.items.filter(function (i) { return i.max !== null; }).map(function (item) {
      var input = el("input", { className: "self", type: "number", min: "0", max: item.max, step: "0.01", name: "self." + item.id });
      input.addEventListener("input", changed);
      selfInputs[item.id] = input;
      numbers.push({ input: input, where: "self_assessment." + item.id });
      return el("tr", { id: "item-" + item.id }, [
        el("td", { text: item.id }), el("td", { text: item.names.join(" / ") }), el("td", { className: "num", text: item.max }),
        el("td", { className: "num" }, [input, el("div", { className: "problem", "data-problem": "self_assessment." + item.id })]),
        el("td", { className: "num final", text: item.score === null ? "—" : item.score }),
      ]);
    });
    if (!rows.length) return null;
    var head = el("tr", {}, ["编号", "指标", "分值", "自评", "得分"].map(function (t) { return el("th", { text: t }); }));
    return el("table", { id: "items" }, [el("thead", {}, [head]), el("tbody", {}, rows)]);
  }

  Promise.all([
    fetch(base + "/schema").then(function (r) { return r.json(); }),
    fetch(base + "/assess", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ target: target }) }).then(function (r) { return r.json(); }),
  ]).then(function (got) {
    schema = got[0];
    root.textContent = "";
    var score = el("div", { id: "score" }, [
      el("span", { text: "得分 " }), el("span", { id: "total", className: "total", text: "—" }), el("span", { id: "max" }),
      el("span", { id: "status", text: " 请填写事实" }),
      el("button", { type: "button", id: "download-html", text: "下载评分表 HTML" }),
      el("button", { type: "button", id: "download-xlsx", text: "下载评分表 Excel" }),
      el("ul", { id: "problems", className: "problem" }),
    ]);
    root.appendChild(score);
    var unit = el("input", { id: "unit", type: "text", placeholder: "单位名称" });
    unit.addEventListener("input", changed);
    root.appendChild(el("div", { className: "fact" }, [el("label", { "for": "unit", text: "被考核单位" }), unit]));
    var list = el("div", { id: "facts" });
    Object.keys(schema.properties).forEach(function (name) { list.appendChild(factField(name, schema.properties[name])); });
    root.appendChild(el("h2", { text: "事实" }));
    root.appendChild(list);
    var table = itemsTable(got[1]);
    if (table) { root.appendChild(el("h2", { text: "自评与得分" })); root.appendChild(table); }
    document.getElementById("download-html").addEventListener("click", function () { download("html"); });
    document.getElementById("download-xlsx").addEventListener("click", function () { download("xlsx"); });
    rescore();
  }).catch(function (e) { console.error(e); root.textContent = "无法加载填报表，请刷新页面重试"; });
})();
