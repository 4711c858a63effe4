// alertctl serve: live previews, saves and deploys. Plain JavaScript, no build step,
// no dependencies. Every value from the server is put in the page as text (never as
// HTML): names in a rules directory are a stranger's text.
"use strict";

(function () {
  const TOKEN_KEY = "alertctl-token";

  // The token comes in the URL's fragment (#token=...), which browsers never send to a
  // server or put in a Referer. Keep it for this tab, as a cookie for pages when serve
  // listens beyond loopback, and take it out of the address bar.
  function takeToken() {
    const m = /(?:^#|&)token=([0-9a-fA-F]{16,128})/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, m[1]);
      document.cookie = "alertctl_token=" + m[1] + "; path=/; SameSite=Strict";
      history.replaceState(null, "", location.pathname + location.search);
      return true;
    }
    return false;
  }
  const fresh = takeToken();
  const token = sessionStorage.getItem(TOKEN_KEY);
  const body = document.body;
  const readOnly = body.dataset.readOnly === "true";
  const canWrite = !!token && !readOnly;

  if (document.getElementById("token-msg")) {
    if (fresh) location.reload();
    return;
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function clear(node) {
    while (node && node.firstChild) node.removeChild(node.firstChild);
    return node;
  }
  const $ = (id) => document.getElementById(id);

  // Mode badge, and what needs a token.
  const mode = $("mode");
  if (mode) {
    if (canWrite) {
      mode.textContent = "editing";
      mode.classList.add("editing");
    } else if (!readOnly) {
      mode.textContent = "viewing";
      mode.title = "open the URL alertctl serve printed (with #token=...) to edit";
    }
  }
  if (!canWrite) {
    for (const e of document.querySelectorAll("[data-needs-write]")) e.hidden = true;
  }

  async function api(method, url, payload) {
    const headers = { Accept: "application/json" };
    if (token) headers["X-Alertctl-Token"] = token;
    const opts = { method, headers, credentials: "same-origin" };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(payload);
    }
    let res;
    try {
      res = await fetch(url, opts);
    } catch (e) {
      return { status: 0, body: { error: "serve did not answer: " + e } };
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = { error: "not a JSON answer (" + res.status + ")" };
    }
    return { status: res.status, body: data };
  }

  function debounce(fn, ms) {
    let t = null;
    return (...args) => {
      clearTimeout(t);
      t = setTimeout(() => fn(...args), ms);
    };
  }

  // ------------------------------------------------------------ rendering helpers

  function diffView(text) {
    const box = el("div", { class: "diff" });
    for (const line of text.replace(/\n$/, "").split("\n")) {
      let cls = "";
      if (line.startsWith("+++") || line.startsWith("---")) cls = "file";
      else if (line.startsWith("+")) cls = "add";
      else if (line.startsWith("-")) cls = "del";
      else if (line.startsWith("@@")) cls = "hunk";
      box.append(el("div", { class: cls }, line || " "));
    }
    return box;
  }

  // The lines around a located problem, with the span marked.
  function snippet(text, loc) {
    const lines = text.split("\n");
    const box = el("div", { class: "src" });
    const from = Math.max(1, loc.line - 1);
    const to = Math.min(lines.length, loc.end_line + 1, loc.line + 3);
    for (let n = from; n <= to; n++) {
      const line = lines[n - 1] || "";
      const chars = Array.from(line);
      let content;
      if (n === loc.line) {
        const a = loc.column - 1;
        const b = loc.end_line === loc.line ? Math.max(loc.end_column - 1, a + 1) : chars.length;
        content = [chars.slice(0, a).join(""), el("mark", {}, chars.slice(a, b).join("") || " "), chars.slice(b).join("")];
      } else {
        content = [line];
      }
      box.append(el("div", { class: "l" + (n === loc.line ? " hit" : "") }, el("span", { class: "n" }, n), el("span", {}, content)));
    }
    return box;
  }

  // Problems: each with its location; in the edited file, the lines it points at.
  function problems(doc, path, text, onLocate) {
    const box = clear($("problems"));
    if (!box) return;
    for (const d of doc.diagnostics || []) {
      const item = el("div", { class: "diag " + d.severity, role: d.severity === "error" ? "alert" : null },
        el("strong", {}, d.severity), " ", el("code", {}, d.code), " ", d.message);
      if (d.location) {
        const at = d.location.file + ":" + d.location.line + ":" + d.location.column;
        if (d.location.file === path && onLocate) {
          item.append(el("div", { class: "where" }, el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); onLocate(d.location); } }, at)));
        } else {
          item.append(el("div", { class: "where" }, at));
        }
        if (d.location.file === path && text !== null) item.append(snippet(text, d.location));
      }
      if (d.hint) item.append(el("div", { class: "hint" }, "hint: " + d.hint));
      box.append(item);
    }
  }

  function showPreview(doc, path, text, onLocate) {
    const status = $("status");
    status.className = "status " + (doc.valid ? "valid" : "invalid");
    status.textContent = doc.valid
      ? "Valid" + (doc.counts && doc.counts !== "0 errors" ? " (" + doc.counts + ")" : "") + ": " + summaryText(doc)
      : "Invalid: " + doc.counts + ". Fix the problems below to save.";
    problems(doc, path, text, onLocate);

    const src = clear($("source-diff"));
    const diffs = (doc.source_diffs || []).filter((d) => d.diff);
    if (diffs.length === 0) src.append("No change to the file.");
    for (const d of diffs) src.append(diffView(d.diff));

    const rendered = clear($("rendered"));
    if (!doc.valid) rendered.append("Fix the errors to see the rendered rules.");
    else if ((doc.rendered || []).length === 0) rendered.append("No rendered rule comes from this change.");
    else {
      doc.rendered.forEach((r, i) => {
        const det = el("details", { open: i < 3 }, el("summary", { class: "mono" }, r.alert + " · cell " + r.cell + " → " + doc.output_dir + "/" + r.file));
        det.append(el("pre", {}, r.yaml));
        rendered.append(det);
      });
      if (doc.rendered_total > doc.rendered.length) rendered.append(el("p", { class: "note" }, "… and " + (doc.rendered_total - doc.rendered.length) + " more."));
    }

    const out = clear($("output-diff"));
    if (!doc.valid) out.append("Fix the errors to see how " + doc.output_dir + "/ would change.");
    else if ((doc.output_changes || []).length === 0) out.append("No change to the rendered files in " + doc.output_dir + "/.");
    else {
      for (const c of doc.output_changes) {
        const det = el("details", { open: true }, el("summary", {}, c.kind + " " + doc.output_dir + "/" + c.file));
        det.append(diffView(c.diff));
        out.append(det);
      }
    }
    showChecks(doc);
  }

  function summaryText(doc) {
    const s = doc.output_summary || {};
    const n = (s.files_added || 0) + (s.files_modified || 0) + (s.files_removed || 0);
    if (n === 0) return "the rendered files would not change.";
    return n + " rendered file" + (n === 1 ? "" : "s") + " would change (alerts: " + (s.alerts_added || 0) + " added, " + (s.alerts_changed || 0) + " changed, " + (s.alerts_removed || 0) + " removed).";
  }

  function showChecks(doc) {
    const box = clear($("checks"));
    if (!box) return;
    for (const [name, label] of [["tests", "Tests (alertctl test)"], ["impact", "Impact (alertctl impact)"]]) {
      const c = doc[name];
      if (!c) continue;
      const sec = el("div", { class: "banner " + (c.available ? (c.error ? "error" : "info") : "warn") }, el("strong", {}, label + ": "));
      if (!c.available) sec.append(c.note);
      else if (c.error) sec.append(c.error);
      else {
        const r = c.result || {};
        if (r.summary) sec.append(r.summary);
        if (Array.isArray(r.results)) {
          const ul = el("ul");
          for (const t of r.results) ul.append(el("li", {}, (t.passed ? "passed " : "FAILED ") + t.name + (t.file ? " (" + t.file + ":" + t.line + ")" : ""), (t.failures || []).map((f) => el("div", { class: "mono" }, f))));
          sec.append(ul);
        }
        if (Array.isArray(r.alerts)) {
          const tb = el("table", {}, el("thead", {}, el("tr", {}, ["Alert", "Change", "Series fired old → new", "Episodes", "Firing time (s)"].map((h) => el("th", { scope: "col" }, h)))));
          const tbody = el("tbody");
          for (const a of r.alerts) tbody.append(el("tr", {}, el("td", {}, a.alert), el("td", {}, a.change), el("td", {}, a.old.series_fired + " → " + a.new.series_fired), el("td", {}, a.old.episodes + " → " + a.new.episodes), el("td", {}, a.old.firing_seconds + " → " + a.new.firing_seconds)));
          tb.append(tbody);
          sec.append(tb);
        }
      }
      box.append(sec);
    }
  }

  function flash(text, cls) {
    sessionStorage.setItem("alertctl-flash", JSON.stringify({ text, cls }));
  }
  const pending = sessionStorage.getItem("alertctl-flash");
  if (pending) {
    sessionStorage.removeItem("alertctl-flash");
    const f = JSON.parse(pending);
    const main = $("main");
    if (main) main.prepend(el("div", { class: "banner " + (f.cls || "ok"), role: "status", id: "flash" }, f.text));
  }

  // ------------------------------------------------------------ editing (shared)

  // One editing session: the last previewed edit, Save, Save anyway, the checks.
  function session(run, afterSave) {
    let edit = null;
    let seq = 0;
    const save = $("save");
    const anyway = $("save-anyway");
    const saved = $("saved");
    const preview = async (checks) => {
      const mine = ++seq;
      $("status").className = "status busy";
      $("status").textContent = "Checking…";
      const r = await run(checks || {});
      if (mine !== seq) return; // a newer preview is on its way
      if (r.status !== 200) {
        edit = null;
        save.disabled = true;
        $("status").className = "status invalid";
        $("status").textContent = r.body.error + (r.body.hint ? " (" + r.body.hint + ")" : "");
        clear($("problems"));
        // A file changed on disk meanwhile: say so where saves report.
        if (r.status === 409) {
          clear(saved).append(el("div", { class: "banner error", role: "alert" }, r.body.error, r.body.hint ? el("div", { class: "note" }, "hint: " + r.body.hint) : null));
        }
        return;
      }
      edit = r.edit;
      r.show(r.body);
      save.disabled = !edit || !r.body.valid || !r.changed;
      anyway.hidden = true;
    };
    const doSave = async (insist) => {
      if (!edit || !canWrite) return;
      clear(saved);
      const r = await api("POST", "/ui/api/save", { edits: [edit], insist });
      if (r.status === 200) {
        flash("Saved " + r.body.written.concat(r.body.removed).join(", ") + ".", "ok");
        afterSave(edit);
        return;
      }
      saved.append(el("div", { class: "banner error", role: "alert" }, r.body.error, r.body.hint ? el("div", { class: "note" }, "hint: " + r.body.hint) : null));
      if (r.status === 422) anyway.hidden = false;
    };
    if (save) save.addEventListener("click", () => doSave(false));
    if (anyway) anyway.addEventListener("click", () => doSave(true));
    const tests = $("run-tests");
    if (tests) tests.addEventListener("click", () => preview({ tests: true }));
    const impact = $("run-impact");
    if (impact) impact.addEventListener("click", () => preview({ impact: true }));
    document.addEventListener("keydown", (ev) => {
      if ((ev.ctrlKey || ev.metaKey) && ev.key === "s") {
        ev.preventDefault();
        if (save && !save.disabled) doSave(false);
      }
    });
    return preview;
  }

  // ------------------------------------------------------------ the text editor

  const editor = $("editor");
  if (editor) {
    const path = editor.dataset.path;
    const base = editor.dataset.base;
    const original = editor.value;
    const locate = (loc) => {
      const lines = editor.value.split("\n");
      let at = 0;
      for (let i = 0; i < loc.line - 1 && i < lines.length; i++) at += lines[i].length + 1;
      at += Math.max(0, loc.column - 1);
      editor.focus();
      editor.setSelectionRange(at, at);
      const lh = parseFloat(getComputedStyle(editor).lineHeight) || 20;
      editor.scrollTop = Math.max(0, (loc.line - 3) * lh);
      cursor();
    };
    const cursor = () => {
      const before = editor.value.slice(0, editor.selectionStart);
      const line = before.split("\n").length;
      $("cursor-line").textContent = line;
      $("cursor-col").textContent = before.length - before.lastIndexOf("\n");
    };
    editor.addEventListener("keyup", cursor);
    editor.addEventListener("click", cursor);
    if (!canWrite) editor.readOnly = true;
    const preview = session(
      async (checks) => {
        const text = editor.value;
        const r = await api("POST", "/ui/api/preview", { path, text, checks });
        return Object.assign(r, {
          edit: { path, base, text },
          changed: text !== original,
          show: (doc) => showPreview(doc, path, text, locate),
        });
      },
      () => location.reload()
    );
    const m = /^#L(\d+)$/.exec(location.hash);
    if (m) locate({ line: +m[1], column: 1 });
    if (canWrite) {
      editor.addEventListener("input", debounce(() => preview(), 300));
      preview();
    }
  }

  // ------------------------------------------------------------ the rule form

  const form = $("rule-form");
  if (form) {
    const path = form.dataset.file;
    const line = +form.dataset.line;
    const base = form.dataset.base;
    for (const i of form.querySelectorAll("input")) if (!canWrite) i.disabled = true;
    const changes = () => {
      const out = [];
      for (const i of form.querySelectorAll("[data-field]")) {
        if (i.disabled) continue;
        const field = i.dataset.field;
        if (field === "enabled") {
          const was = i.dataset.initial === "true";
          if (i.checked !== was) out.push({ field, value: i.checked ? null : "false" });
          continue;
        }
        const v = i.value.trim();
        if (v === (i.dataset.initial || "")) continue;
        const c = { field, value: v === "" ? null : v };
        if (field === "param") c.name = i.dataset.name;
        out.push(c);
      }
      return out;
    };
    // Marks the inputs whose key the problems point at.
    const markInputs = (doc, text) => {
      const lines = (text || "").split("\n");
      for (const i of form.querySelectorAll("[data-field]")) {
        const key = i.dataset.field === "param" ? i.dataset.name : i.dataset.field;
        const hit = (doc.diagnostics || []).find((d) => d.severity === "error" && d.location && d.location.file === path &&
          new RegExp("(^|[\\s{,])" + key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\s*:").test(lines[d.location.line - 1] || ""));
        i.classList.toggle("invalid", !!hit);
        i.setAttribute("aria-invalid", hit ? "true" : "false");
        const msg = i.dataset.field === "param" ? $("err-" + i.dataset.name) : null;
        if (msg) msg.textContent = hit ? hit.message : "";
      }
    };
    const preview = session(
      async (checks) => {
        const c = changes();
        const r = await api("POST", "/ui/api/rule/preview", { path, line, base, changes: c, checks });
        const text = r.body && r.body.edit ? r.body.edit.text : null;
        return Object.assign(r, {
          edit: r.body && r.body.edit ? { path, base, text } : null,
          changed: c.length > 0,
          show: (doc) => {
            showPreview(doc, path, text, null);
            markInputs(doc, text);
          },
        });
      },
      () => location.reload()
    );
    if (canWrite) {
      form.addEventListener("input", debounce(() => preview(), 250));
      form.addEventListener("submit", (ev) => ev.preventDefault());
    }
    for (const b of document.querySelectorAll("[data-clear]")) {
      b.addEventListener("click", () => {
        const i = $(b.dataset.clear);
        i.value = "";
        i.focus();
        preview();
      });
    }
    const lifecycle = async (suspended) => {
      const r = await api("POST", "/ui/api/rule/suspend", { path, line, base, suspended });
      if (r.status === 200) {
        flash(suspended ? "Suspended (soft-deleted): the rule stays in " + path + " and no longer applies." : "Restored: the rule applies again.", "ok");
        location.reload();
      } else {
        $("saved").append(el("div", { class: "banner error", role: "alert" }, r.body.error));
      }
    };
    const sus = $("suspend");
    if (sus) sus.addEventListener("click", () => lifecycle(true));
    const res = $("restore");
    if (res) res.addEventListener("click", () => lifecycle(false));
  }

  // ------------------------------------------------------------ a new rule

  const newForm = $("new-form");
  if (newForm) {
    let current = null;
    const preview = session(
      async (checks) => {
        const f = new FormData(newForm);
        const r = await api("POST", "/ui/api/rule/new", {
          template: f.get("template"),
          scope: f.get("scope"),
          alert: f.get("alert") || null,
          priority: parseInt(f.get("priority") || "0", 10) || 0,
          file: f.get("file") || null,
          checks,
        });
        current = r.body && r.body.edit ? r.body.edit : null;
        return Object.assign(r, {
          edit: current,
          changed: true,
          show: (doc) => showPreview(doc, current && current.path, current && current.text, null),
        });
      },
      (e) => {
        location.href = "/rules?template=" + encodeURIComponent(new FormData(newForm).get("template"));
      }
    );
    newForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      preview();
    });
  }

  // ------------------------------------------------------------ purge

  const purge = $("purge");
  if (purge) {
    purge.addEventListener("click", async () => {
      if (!confirm("Delete every suspended rule from its file for good (alertctl rule purge)?")) return;
      const r = await api("POST", "/ui/api/purge", {});
      if (r.status === 200) {
        flash("Purged " + r.body.purged.length + " rule(s).", "ok");
        location.reload();
      } else {
        $("purge-result").textContent = r.body.error;
      }
    });
  }

  // ------------------------------------------------------------ deploy

  const planBtn = $("plan");
  if (planBtn) {
    const applyBtn = $("apply");
    const show = (doc, what) => {
      const st = $("plan-status");
      const ok = doc.result === "dry-run" || doc.result === "no-change" || doc.result === "applied";
      st.className = "status " + (ok ? "valid" : "invalid");
      st.textContent = what + ": " + doc.message;
      const box = clear($("plan-body"));
      for (const d of doc.diagnostics || []) {
        box.append(el("div", { class: "diag " + d.severity }, el("strong", {}, d.severity), " ", el("code", {}, d.code), " ", d.message,
          d.location ? el("div", { class: "where" }, el("a", { href: "/files/edit?path=" + encodeURIComponent(d.location.file) + "#L" + d.location.line }, d.location.file + ":" + d.location.line + ":" + d.location.column)) : null));
      }
      const changes = (d, into) => {
        for (const c of d.changes || []) {
          const det = el("details", { open: true }, el("summary", {}, c.kind + " " + c.file));
          det.append(diffView(c.diff));
          into.append(det);
        }
        for (const s of d.servers || []) into.append(el("div", { class: "note" }, JSON.stringify(s)));
      };
      changes(doc, box);
      for (const s of doc.shards || []) {
        const sec = el("section", { class: "shard" }, el("h3", {}, "Shard " + s.shard + " (" + (s.shard_servers || []).join(", ") + ")"), el("p", { class: "note" }, s.result + ": " + (s.message || "")));
        changes(s, sec);
        box.append(sec);
      }
      if (applyBtn) applyBtn.disabled = !(doc.result === "dry-run" && canWrite);
    };
    planBtn.addEventListener("click", async () => {
      $("plan-status").className = "status busy";
      $("plan-status").textContent = "Planning (validate, promtool, diff)…";
      const r = await api("GET", "/ui/api/deploy/plan");
      if (r.status !== 200) {
        $("plan-status").textContent = r.body.error;
        return;
      }
      show(r.body, "Plan");
    });
    if (applyBtn) {
      applyBtn.addEventListener("click", async () => {
        if (!confirm("Apply: write the rendered files, reload every server and verify (rolls back on failure)?")) return;
        $("plan-status").className = "status busy";
        $("plan-status").textContent = "Applying…";
        const r = await api("POST", "/ui/api/deploy/apply", {});
        if (r.status !== 200) {
          $("plan-status").textContent = r.body.error;
          return;
        }
        flash("Apply: " + r.body.message, r.body.result === "applied" || r.body.result === "no-change" ? "ok" : "error");
        location.reload();
      });
    }
  }
})();
