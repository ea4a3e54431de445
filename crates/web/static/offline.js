// Touchstone: inspection records kept on the phone (R-INSP-3). The record's form is saved
// to localStorage on every change and restored when it is reopened; a submission made
// offline (or whose connection drops) waits in an outbox and is sent through the JSON API
// when the browser is online again; photos taken offline wait in IndexedDB and are uploaded
// to the enterprise's file first. Each new record carries its client key, so a re-sent record
// lands once. A submission the server refuses is posted as the plain form, so the page shows
// its errors beside their fields. Without this script the form posts as it is.
(function () {
  'use strict';

  var DRAFT = 'touchstone:inspection:';
  var OUTBOX = 'touchstone:outbox';
  var NOTICE = 'touchstone:notice';
  var statusEl = document.getElementById('offline-status');
  var outboxEl = document.getElementById('offline-outbox');
  var form = document.getElementById('inspection-form');

  function text(name) {
    return (statusEl && statusEl.getAttribute('data-msg-' + name)) || '';
  }

  function show(message, kind, link) {
    if (!statusEl) return;
    statusEl.hidden = false;
    statusEl.className = 'offline-status' + (kind ? ' ' + kind : '');
    statusEl.textContent = message;
    if (link) {
      var a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      statusEl.appendChild(document.createTextNode(' '));
      statusEl.appendChild(a);
    }
  }

  function load(key, otherwise) {
    try {
      var v = localStorage.getItem(key);
      return v ? JSON.parse(v) : otherwise;
    } catch (e) {
      return otherwise;
    }
  }

  function store(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;
    }
  }

  function drop(key) {
    try {
      localStorage.removeItem(key);
    } catch (e) { /* nothing kept */ }
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
  }

  function clock(at) {
    var d = new Date(at);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) { return (n < 10 ? '0' : '') + n; }).join(':');
  }

  // ---- Photos waiting on the phone (IndexedDB) ----

  function photoStore(mode, work) {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) return reject(new Error('no IndexedDB'));
      var open = indexedDB.open('touchstone-offline', 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore('photos', { keyPath: 'id', autoIncrement: true });
      };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var t = open.result.transaction('photos', mode);
        var request = work(t.objectStore('photos'));
        t.oncomplete = function () { resolve(request ? request.result : undefined); };
        t.onerror = function () { reject(t.error); };
      };
    });
  }

  function pendingPhotos(key) {
    return photoStore('readonly', function (s) { return s.getAll(); })
      .then(function (all) { return (all || []).filter(function (p) { return p.key === key; }); }, function () { return []; });
  }

  function keepPhoto(key, file) {
    return photoStore('readwrite', function (s) {
      return s.add({ key: key, name: file.name || 'photo.jpg', type: file.type, blob: file, at: Date.now() });
    });
  }

  function forgetPhoto(id) {
    return photoStore('readwrite', function (s) { return s['delete'](id); }).catch(function () { /* gone */ });
  }

  /// Uploads one file to the enterprise's file: the attachment, or a rejection with the
  /// HTTP status (none when the network failed).
  function upload(enterpriseId, blob, name) {
    var url = '/api/v1/enterprises/' + encodeURIComponent(enterpriseId) + '/attachments?file_name=' + encodeURIComponent(name);
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/octet-stream', 'Accept': 'application/json' },
      body: blob
    }).then(function (r) {
      return r.ok ? r.json() : Promise.reject({ status: r.status });
    }, function () {
      return Promise.reject({ status: 0 });
    });
  }

  /// Uploads the photos waiting for `key`, one by one; `done(attachment)` for each. Rejects
  /// when the network fails (the rest stay waiting); a photo the server refuses is dropped.
  function uploadPending(key, enterpriseId, done) {
    return pendingPhotos(key).then(function (photos) {
      return photos.reduce(function (chain, p) {
        return chain.then(function () {
          return upload(enterpriseId, p.blob, p.name).then(function (att) {
            done(att);
            return forgetPhoto(p.id);
          }, function (err) {
            if (!err || !err.status || err.status === 401 || err.status >= 500) return Promise.reject(err);
            show(text('photo-failed') + ' ' + p.name, 'error');
            return forgetPhoto(p.id);
          });
        });
      }, Promise.resolve());
    });
  }

  // ---- The outbox: submissions waiting for the network ----

  function jobs() {
    return load(OUTBOX, []);
  }

  function enqueue(job) {
    var rest = jobs().filter(function (j) { return j.key !== job.key; });
    rest.push(job);
    store(OUTBOX, rest);
    renderOutbox();
  }

  function dequeue(key) {
    store(OUTBOX, jobs().filter(function (j) { return j.key !== key; }));
    renderOutbox();
  }

  function renderOutbox() {
    if (!outboxEl) return;
    var list = jobs();
    outboxEl.textContent = '';
    outboxEl.hidden = list.length === 0;
    list.forEach(function (j) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = j.page;
      a.textContent = j.label || j.page;
      li.appendChild(a);
      li.appendChild(document.createTextNode(' · ' + text('pending') + ' · ' + clock(j.at)));
      outboxEl.appendChild(li);
    });
  }

  /// Sends one submission: its waiting photos first, then the record. Resolves to
  /// `{ok, record}`, `{offline}` or `{status, error}`.
  function send(job) {
    if (navigator.onLine === false) return Promise.resolve({ offline: true });
    return uploadPending(job.key, job.enterprise, function (att) {
      job.body.attachment_ids.push(att.id);
      store(OUTBOX, jobs().map(function (j) { return j.key === job.key ? job : j; }));
    }).then(function () {
      return fetch(job.url, {
        method: job.method,
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
        body: JSON.stringify(job.body)
      });
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) {
        return r.ok ? { ok: true, record: data } : { status: r.status, error: data };
      });
    }).catch(function (err) {
      return err && err.status ? { status: err.status } : { offline: true };
    });
  }

  var flushing = false;

  /// Re-sends every waiting submission (on load and whenever the browser comes online).
  function flush() {
    var waiting = jobs();
    if (flushing || navigator.onLine === false || waiting.length === 0) return;
    flushing = true;
    show(text('sending'));
    waiting.reduce(function (chain, job) {
      return chain.then(function () {
        return send(job).then(function (o) {
          if (o.ok) {
            dequeue(job.key);
            drop(DRAFT + job.key);
            var href = '/inspections/' + o.record.id;
            if (form && form.getAttribute('data-draft-key') === job.key) {
              sessionStorage.setItem(NOTICE, text('sent'));
              location.assign(href);
            } else {
              show(text('sent') + ' ' + (job.label || ''), 'ok', { href: href, text: o.record.number || href });
            }
          } else if (o.offline) {
            show(text('queued'), 'queued');
          } else if (o.status === 401 || o.status >= 500) {
            show(o.status === 401 ? text('signin') : text('queued'), 'queued');
          } else {
            // Refused (422, 409…): the draft stays on the phone; the form shows why.
            dequeue(job.key);
            show(text('rejected') + ' ' + (job.label || ''), 'error', { href: job.page, text: text('open') });
          }
        });
      });
    }, Promise.resolve()).then(function () {
      flushing = false;
    });
  }

  // ---- The record's form ----

  function pairsOf(f) {
    var out = [];
    Array.prototype.forEach.call(f.elements, function (el) {
      if (!el.name || el.disabled || el.type === 'file' || el.type === 'submit' || el.type === 'button') return;
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) return;
      out.push([el.name, el.value]);
    });
    return out;
  }

  function setUp(f) {
    var key = f.getAttribute('data-draft-key');
    var recordId = f.getAttribute('data-record-id');
    var enterpriseId = f.getAttribute('data-enterprise-id');
    var label = f.getAttribute('data-label') || '';
    var findings = document.getElementById('findings');
    var template = document.getElementById('finding-template');
    var addButton = document.getElementById('add-finding');
    var photoList = document.getElementById('photo-list');
    var photoInput = document.getElementById('photo-input');
    var field = function (name) { return f.elements.namedItem(name); };
    var version = field('version') ? field('version').value : '';

    function nextFinding() {
      var max = -1;
      Array.prototype.forEach.call(findings.querySelectorAll('.finding'), function (row) {
        max = Math.max(max, parseInt(row.getAttribute('data-index'), 10) || 0);
      });
      return max + 1;
    }

    function addFinding(index) {
      var i = index === undefined ? nextFinding() : index;
      findings.insertAdjacentHTML('beforeend', template.innerHTML.replace(/__i__/g, String(i)));
    }

    function photos() {
      return Array.prototype.map.call(photoList.querySelectorAll('li[data-id]'), function (li) {
        return { id: li.getAttribute('data-id'), name: li.getAttribute('data-name') };
      });
    }

    function listPhoto(id, name, pending) {
      var li = document.createElement('li');
      li.setAttribute('data-name', name);
      if (id) {
        li.setAttribute('data-id', id);
        var idInput = document.createElement('input');
        idInput.type = 'hidden';
        idInput.name = 'attachment_ids';
        idInput.value = id;
        var nameInput = document.createElement('input');
        nameInput.type = 'hidden';
        nameInput.name = 'attachment_names';
        nameInput.value = name;
        var a = document.createElement('a');
        a.href = '/attachments/' + id;
        a.textContent = name;
        li.appendChild(idInput);
        li.appendChild(nameInput);
        li.appendChild(a);
      } else {
        li.className = 'pending';
        li.textContent = name + ' · ' + (pending || text('photo-queued'));
      }
      photoList.appendChild(li);
    }

    // Photos already on the record carry their ids in the page.
    Array.prototype.forEach.call(photoList.querySelectorAll('li'), function (li) {
      var id = li.querySelector('input[name="attachment_ids"]');
      var name = li.querySelector('input[name="attachment_names"]');
      if (id) {
        li.setAttribute('data-id', id.value);
        li.setAttribute('data-name', name ? name.value : id.value);
      }
    });

    function save() {
      store(DRAFT + key, { at: Date.now(), version: version, pairs: pairsOf(f), photos: photos() });
    }

    function restore(saved) {
      var byName = {};
      saved.pairs.forEach(function (p) {
        (byName[p[0]] = byName[p[0]] || []).push(p[1]);
        var m = /^findings\[(\d+)\]\./.exec(p[0]);
        if (m && !findings.querySelector('.finding[data-index="' + m[1] + '"]')) addFinding(parseInt(m[1], 10));
      });
      var skip = ['version', 'enterprise_id', 'plan_id', 'attachment_ids', 'attachment_names'];
      Array.prototype.forEach.call(f.elements, function (el) {
        if (!el.name || el.type === 'file' || el.disabled || skip.indexOf(el.name) >= 0) return;
        var values = byName[el.name] || [];
        if (el.type === 'checkbox' || el.type === 'radio') {
          el.checked = values.indexOf(el.value) >= 0;
        } else if (values.length) {
          el.value = values[0];
        }
      });
      var have = photos().map(function (p) { return p.id; });
      (saved.photos || []).forEach(function (p) {
        if (have.indexOf(p.id) < 0) listPhoto(p.id, p.name);
      });
    }

    function toInput(complete) {
      var pairs = pairsOf(f);
      var one = function (n) {
        for (var i = 0; i < pairs.length; i++) if (pairs[i][0] === n) return pairs[i][1].trim();
        return '';
      };
      var opt = function (n) { return one(n) || null; };
      var all = function (n) {
        return pairs.filter(function (p) { return p[0] === n; }).map(function (p) { return p[1].trim(); }).filter(Boolean);
      };
      var rows = function (list) {
        var re = new RegExp('^' + list + '\\[(\\d+)\\]\\.(\\w+)$');
        var out = {};
        pairs.forEach(function (p) {
          var m = re.exec(p[0]);
          if (m) (out[m[1]] = out[m[1]] || {})[m[2]] = p[1].trim();
        });
        return Object.keys(out).sort(function (a, b) { return a - b; }).map(function (k) { return out[k]; });
      };
      var checklist = rows('checklist').filter(function (r) { return r.result; }).map(function (r) {
        return { item: r.item, result: r.result, note: r.note || null };
      });
      var findingRows = rows('findings').filter(function (r) {
        return r.corrected_on_spot || ['description', 'category_code', 'legal_basis', 'deadline', 'correction_note'].some(function (k) { return r[k]; });
      }).map(function (r) {
        return {
          description: r.description || '',
          level: r.level || 'general',
          category_code: r.category_code || null,
          legal_basis: r.legal_basis || null,
          deadline: r.deadline || null,
          corrected_on_spot: !!r.corrected_on_spot,
          correction_note: r.correction_note || null
        };
      });
      return {
        enterprise_id: one('enterprise_id'),
        plan_id: opt('plan_id'),
        campaign_id: opt('campaign_id'),
        kind: opt('kind'),
        notice: one('notice'),
        notice_note: opt('notice_note'),
        officers: all('officers'),
        experts: one('experts').split(/\r?\n/).map(function (s) { return s.trim(); }).filter(Boolean),
        staff_present: one('staff_present'),
        place: one('place'),
        started_at: opt('started_at'),
        ended_at: opt('ended_at'),
        inspected_on: opt('inspected_on'),
        checklist: checklist,
        findings: findingRows,
        measures: one('measures'),
        feedback: one('feedback'),
        attachment_ids: all('attachment_ids'),
        client_key: opt('client_key'),
        complete: complete,
        version: version ? Number(version) : null
      };
    }

    function buttons(enabled) {
      Array.prototype.forEach.call(f.querySelectorAll('button[type="submit"]'), function (b) { b.disabled = !enabled; });
    }

    /// Posts the plain form, so the server renders its refusal beside the fields.
    function postPlainly(action) {
      var hidden = document.createElement('input');
      hidden.type = 'hidden';
      hidden.name = 'action';
      hidden.value = action;
      f.appendChild(hidden);
      buttons(false);
      f.submit();
    }

    // Restore what this phone kept, unless the record has moved on since.
    var saved = load(DRAFT + key, null);
    var queued = jobs().some(function (j) { return j.key === key; });
    if (saved && saved.version === version && saved.pairs) {
      restore(saved);
      show(queued ? text('queued') : text('restored') + ' ' + clock(saved.at), queued ? 'queued' : '');
    } else if (saved) {
      drop(DRAFT + key);
    }
    // A new record's own key, kept with its draft: sent again, it lands once.
    if (!recordId && !(saved && saved.version === version && saved.pairs)) field('client_key').value = uuid();

    if (addButton && template && findings) {
      addButton.hidden = false;
      addButton.addEventListener('click', function () {
        addFinding();
        save();
      });
    }

    var timer = null;
    f.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(save, 300);
    });
    f.addEventListener('change', function () {
      save();
      show(text('saved-local') + ' ' + clock(Date.now()), 'local');
    });

    function takePhoto(file) {
      var name = file.name || 'photo.jpg';
      var wait = function () {
        return keepPhoto(key, file).then(function () {
          listPhoto(null, name);
          show(text('photo-queued'), 'queued');
        }, function () {
          show(text('photo-failed') + ' ' + name, 'error');
        });
      };
      if (navigator.onLine === false) return wait();
      show(text('photo-uploading') + ' ' + name);
      return upload(enterpriseId, file, name).then(function (att) {
        listPhoto(att.id, att.file_name || name);
        save();
        show(text('photo-uploaded') + ' ' + name, 'ok');
      }, function (err) {
        if (err && err.status && err.status !== 401 && err.status < 500) {
          show(text('photo-failed') + ' ' + name, 'error');
        } else {
          return wait();
        }
      });
    }

    if (photoInput) {
      photoInput.addEventListener('change', function () {
        var files = Array.prototype.slice.call(photoInput.files || []);
        photoInput.value = '';
        files.reduce(function (chain, file) {
          return chain.then(function () { return takePhoto(file); });
        }, Promise.resolve());
      });
    }

    // Photos kept while offline: listed now, uploaded when the network is back.
    pendingPhotos(key).then(function (waiting) {
      waiting.forEach(function (p) { listPhoto(null, p.name); });
    });

    window.addEventListener('online', function () {
      if (jobs().some(function (j) { return j.key === key; })) return;
      uploadPending(key, enterpriseId, function (att) {
        listPhoto(att.id, att.file_name);
        Array.prototype.forEach.call(photoList.querySelectorAll('li.pending'), function (li) {
          if (li.getAttribute('data-name') === att.file_name) li.parentNode.removeChild(li);
        });
        save();
      }).catch(function () { /* still offline */ });
    });

    f.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var submitter = ev.submitter || document.activeElement;
      var action = submitter && submitter.name === 'action' ? submitter.value : 'save';
      save();
      var job = {
        key: key,
        method: recordId ? 'PUT' : 'POST',
        url: recordId ? '/api/v1/inspections/' + recordId : '/api/v1/inspections',
        body: toInput(action === 'complete'),
        enterprise: enterpriseId,
        label: label,
        page: f.getAttribute('data-page') || location.pathname + location.search,
        at: Date.now()
      };
      buttons(false);
      show(text('sending'));
      send(job).then(function (o) {
        if (o.ok) {
          drop(DRAFT + key);
          dequeue(key);
          sessionStorage.setItem(NOTICE, text('sent'));
          location.assign('/inspections/' + o.record.id);
        } else if (o.offline || o.status === 401 || o.status >= 500) {
          enqueue(job);
          buttons(true);
          show(o.status === 401 ? text('signin') : text('queued'), 'queued');
        } else {
          postPlainly(action);
        }
      });
    });
  }

  // ---- Every page that loads this script ----

  var notice = null;
  try {
    notice = sessionStorage.getItem(NOTICE);
    sessionStorage.removeItem(NOTICE);
  } catch (e) { /* no session storage */ }
  if (notice) show(notice, 'ok');
  if (form) setUp(form);
  renderOutbox();
  window.addEventListener('online', flush);
  // A network that answers nothing does not fire `online` again: try once a minute too.
  setInterval(flush, 60000);
  window.addEventListener('offline', function () { if (jobs().length) show(text('queued'), 'queued'); });
  flush();
})();
