// The relevance feedback web UI: plain JavaScript against the plugin's REST API on the same origin.
// Everything that comes from documents is put in the page as text (textContent / Node.append of strings),
// never as HTML, and no handler is inline: the page's Content-Security-Policy forbids both.
'use strict';

const $ = (selector) => document.querySelector(selector);
const STRATEGIES = ['none', 'prf', 'grf', 'afs', 'explicit'];
const LINK_PARAMS = ['index', 'field', 'q', 'strategy', 'k', 'top_k', 'rounds'];

const state = {
  indices: {},        // index -> { path: type } of its mapped fields
  model: null,        // the models API entry, null when none loaded
  rounds: [],         // history: { title, query, strategy, hits, vector, feedback, took, moves }
  current: -1,
  marks: new Map(),   // _id -> 'up' | 'down' for the next refine
  regions: [],        // { id, box: [x, y, w, h], relevant } for the next AFS refine
  tokens: new Map(),  // caption text -> BPE tokens (from _tokenize)
};

// ---------- small helpers ----------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

class ApiError extends Error {}

/** A readable line from an OpenSearch error body: the type, the reason and the root cause when it says more. */
function describeError(status, body, text) {
  const error = body && body.error;
  if (error && typeof error === 'object') {
    let message = `${status} ${error.type}: ${error.reason}`;
    const root = (error.root_cause || [])[0];
    if (root && root.reason && root.reason !== error.reason) message += ` (caused by ${root.type}: ${root.reason})`;
    return message;
  }
  if (error) return `${status}: ${error}`;
  return `${status}: ${(text || 'no response').slice(0, 300)}`;
}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(`the node did not answer (${e.message})`);
  }
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON: the text is the message */ }
  if (!response.ok) throw new ApiError(describeError(response.status, json, text));
  return json;
}

function showError(message) {
  const box = $('#error');
  box.textContent = message;
  box.hidden = !message;
}

function setStatus(message) {
  $('#status').textContent = message;
}

function value(id) {
  return $('#' + id).value;
}

function number(id) {
  const v = Number(value(id));
  if (value(id) === '' || !Number.isFinite(v)) throw new ApiError(`[${id}] must be a number`);
  return v;
}

function fillSelect(select, options, preferred, allowNone) {
  select.replaceChildren();
  if (allowNone) select.append(el('option', { value: '', text: '(none)' }));
  for (const option of options) select.append(el('option', { value: option, text: option }));
  const pick = preferred.find((p) => options.includes(p));
  select.value = pick !== undefined ? pick : allowNone || options.length === 0 ? '' : options[0];
}

/** A thumbnail source: a base64 image (PNG, JPEG, GIF, WebP by its magic bytes), a data:image URL, or an http(s) URL. */
function imageSource(raw) {
  if (typeof raw !== 'string' || raw.length === 0) return null;
  if (/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(raw)) return raw;
  if (/^https?:\/\//i.test(raw)) {
    try { return new URL(raw).href; } catch (e) { return null; }
  }
  const types = { iVBOR: 'png', '/9j/': 'jpeg', R0lGO: 'gif', UklGR: 'webp' };
  const type = Object.keys(types).find((magic) => raw.startsWith(magic));
  if (type && /^[A-Za-z0-9+/=\s]+$/.test(raw)) return `data:image/${types[type]};base64,${raw.replace(/\s/g, '')}`;
  return null;
}

function sourceValue(source, path) {
  let v = source;
  for (const part of path.split('.')) v = v && typeof v === 'object' ? v[part] : undefined;
  return Array.isArray(v) ? v[0] : v;
}

// ---------- indices, fields and the model ----------

function walk(properties, prefix, out) {
  for (const [name, def] of Object.entries(properties || {})) {
    if (def.properties) walk(def.properties, prefix + name + '.', out);
    else out[prefix + name] = def.type || 'object';
  }
}

async function loadIndices() {
  const mappings = await api('GET', '/_mapping');
  state.indices = {};
  for (const [index, body] of Object.entries(mappings || {})) {
    if (index.startsWith('.')) continue;
    const fields = {};
    walk(body.mappings && body.mappings.properties, '', fields);
    if (Object.values(fields).includes('rf_vector')) state.indices[index] = fields;
  }
  const names = Object.keys(state.indices).sort();
  fillSelect($('#index'), names, ['emoji'], false);
  if (names.length === 0) {
    showError('No index has an rf_vector field yet: scripts/demo.sh loads the emoji image gallery.');
  }
  fillFields();
}

function fillFields() {
  const fields = state.indices[value('index')] || {};
  const of = (...types) => Object.keys(fields).filter((f) => types.includes(fields[f])).sort();
  const vectors = of('rf_vector');
  const tokens = of('rf_tokens');
  const texts = of('text', 'keyword', 'match_only_text');
  const others = Object.keys(fields).filter((f) => !['rf_vector', 'rf_tokens'].includes(fields[f])).sort();
  fillSelect($('#field'), vectors, ['image'], false);
  fillSelect($('#caption_field'), vectors, ['caption'], true);
  fillSelect($('#image_tokens_field'), tokens, ['image_tokens', ...tokens.filter((t) => t.includes('image'))], true);
  fillSelect($('#caption_tokens_field'), tokens, ['caption_tokens', ...tokens.filter((t) => t.includes('caption'))], true);
  fillSelect($('#thumbnail_field'), others, ['thumbnail', 'thumb', 'image_url', 'url', ...others.filter((f) => fields[f] === 'binary')], true);
  fillSelect($('#label_field'), texts, ['label', 'name', 'title'], true);
  fillSelect($('#caption_text_field'), texts, ['caption_text', ...texts.filter((t) => t.includes('caption'))], true);
}

async function loadModel() {
  try {
    const models = (await api('GET', '/_plugins/relevance_feedback/models')).models;
    const model = models.find((m) => m.default && m.loaded);
    state.model = model || null;
    if (model) {
      $('#model').textContent = `model ${model.name}: ${model.dimension}-d, ${model.device}` + (model.feedback_summarizer ? ', AFS' : ', no AFS');
    } else {
      const byDefault = models.find((m) => m.default);
      const why = byDefault ? byDefault.error : 'the default model is not on this node';
      $('#model').textContent = `the default model is unavailable (${why}): text queries will fail`;
      $('#model').className = 'warn';
    }
  } catch (e) {
    $('#model').textContent = `model status unavailable: ${e.message}`;
    $('#model').className = 'warn';
  }
}

// ---------- queries ----------

function feedbackFor(strategy, extra) {
  const feedback = { strategy, top_k: number('top_k'), rounds: number('rounds'), alpha: number('alpha'), beta: number('beta'),
    gamma: number('gamma'), temperature: number('temperature') };
  if (value('rocchio') === 'original') feedback.rocchio = 'original';
  if ((strategy === 'grf' || strategy === 'afs') && value('caption_field')) feedback.caption_field = value('caption_field');
  if (strategy === 'afs') {
    if (value('image_tokens_field')) feedback.image_tokens_field = value('image_tokens_field');
    if (value('caption_tokens_field')) feedback.caption_tokens_field = value('caption_tokens_field');
    feedback.saliency = true;
  }
  return Object.assign(feedback, extra);
}

function sourceFields() {
  return ['thumbnail_field', 'label_field', 'caption_text_field'].map(value).filter((f) => f);
}

/** One call of the feedback search endpoint; input is { text }, { image }, { like } or { vector }. */
function runQuery(input, feedback) {
  const k = number('k');
  const query = Object.assign({ field: value('field'), k, num_candidates: Math.max(100, 10 * k) }, input);
  if (feedback) query.feedback = feedback;
  const body = { size: k, _source: sourceFields(), query: { relevance_feedback: query } };
  return api('POST', `/${encodeURIComponent(value('index'))}/_plugins/relevance_feedback/_search`, body);
}

async function busy(message, work) {
  showError('');
  setStatus(message);
  for (const b of document.querySelectorAll('button')) b.disabled = true;
  try {
    await work();
  } catch (e) {
    setStatus('');
    showError(e instanceof ApiError ? e.message : `unexpected error: ${e.message}`);
  } finally {
    for (const b of document.querySelectorAll('button')) b.disabled = false;
  }
}

async function search() {
  const q = value('q').trim();
  if (!q) { showError('Type a query first.'); return; }
  await searchBy({ text: q }, `"${q}"`);
  updateLink();
}

/** A fresh search (a new history) from a query input: { text }, { image } (base64) or { like: [id] }. */
async function searchBy(input, title) {
  if (!value('index')) { showError('Pick an index first.'); return; }
  const strategy = value('strategy');
  await busy(`searching ${title}…`, async () => {
    // explicit feedback needs marks: the first search is plain kNN, Refine then uses the marks
    const feedback = strategy === 'none' || strategy === 'explicit' ? null : feedbackFor(strategy);
    const response = await runQuery(input, feedback);
    await pushRound(title + (feedback ? ` + ${strategy}` : ''), input, strategy, response, true);
  });
}

/** Query by an image file the user picked: sent as base64, encoded by the model's vision tower. */
function searchByFile() {
  const file = $('#image').files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => searchBy({ image: String(reader.result).replace(/^data:[^,]*,/, '') }, `image ${file.name}`);
  reader.onerror = () => showError(`cannot read ${file.name}`);
  reader.readAsDataURL(file);
  $('#image').value = '';
}

/**
 * Refine: boxes drawn in AFS mode re-run the summarizer with those regions; thumbs up / down then move the query
 * by explicit feedback (Rocchio with the marked documents); prf / grf add one round of their own on top.
 */
async function refine() {
  const base = state.rounds[state.current];
  if (!base) return;
  const strategy = value('strategy');
  const relevant = [...state.marks].filter(([, m]) => m === 'up').map(([id]) => id);
  const nonRelevant = [...state.marks].filter(([, m]) => m === 'down').map(([id]) => id);
  const regions = state.regions.map((r) => ({ id: r.id, box: r.box, relevant: r.relevant }));
  if (relevant.length + nonRelevant.length === 0 && regions.length === 0) {
    showError('Mark results with thumbs up / down (or, with strategy afs, draw boxes on feedback images) before refining.');
    return;
  }
  await busy('refining…', async () => {
    let vector = base.vector;
    let response = null;
    const steps = [];
    if (regions.length) {
      response = await runQuery(base.input, feedbackFor('afs', { regions }));
      vector = response.relevance_feedback.vector;
      steps.push(`afs with ${regions.length} box${regions.length > 1 ? 'es' : ''}`);
    }
    if (relevant.length + nonRelevant.length) {
      response = await runQuery({ vector }, feedbackFor('explicit', { rounds: 1, relevant, non_relevant: nonRelevant }));
      vector = response.relevance_feedback.vector;
      steps.push(`${relevant.length} up, ${nonRelevant.length} down`);
      if (strategy === 'prf' || strategy === 'grf') {
        response = await runQuery({ vector }, feedbackFor(strategy, { rounds: 1 }));
        steps.push(strategy);
      }
    }
    await pushRound('refine: ' + steps.join(' + '), base.input, strategy, response, false);
  });
}

async function pushRound(title, input, strategy, response, fresh) {
  const hits = response.hits.hits;
  const previous = fresh ? null : state.rounds[state.current];
  const before = previous ? new Map(previous.hits.map((h, i) => [h._id, i + 1])) : null;
  const moves = new Map(hits.map((h, i) => {
    if (!before) return [h._id, null];
    return [h._id, before.has(h._id) ? before.get(h._id) - (i + 1) : 'new'];
  }));
  const rf = response.relevance_feedback || {};
  const feedback = (rf.rounds || []).flatMap((r) => r.feedback.map((f) => Object.assign({ round: r.round }, f)));
  await describeFeedback(feedback, hits);
  state.rounds = state.rounds.slice(0, state.current + 1);
  state.rounds.push({ title, input, strategy, hits, vector: rf.vector, feedback, took: response.took, breakdown: rf.took, moves });
  state.current = state.rounds.length - 1;
  state.marks.clear();
  state.regions = [];
  render();
  setStatus(`${hits.length} hits in ${response.took} ms` + (rf.took ? ` (encode ${rf.took.encode_ms.toFixed(1)} ms, feedback ${rf.took.feedback_ms.toFixed(1)} ms)` : ''));
}

/** Labels, thumbnails and caption tokens of the feedback documents, which need not be among the final hits. */
async function describeFeedback(feedback, hits) {
  if (feedback.length === 0) return;
  const known = new Map(hits.map((h) => [h._id, h._source || {}]));
  const missing = [...new Set(feedback.map((f) => f._id).filter((id) => !known.has(id)))];
  if (missing.length) {
    const response = await api('POST', `/${encodeURIComponent(value('index'))}/_search`,
      { size: missing.length, _source: sourceFields(), query: { ids: { values: missing } } });
    for (const h of response.hits.hits) known.set(h._id, h._source || {});
  }
  for (const f of feedback) f.source = known.get(f._id) || {};
  const captionField = value('caption_text_field');
  const captions = [...new Set(feedback.filter((f) => f.saliency && f.saliency.caption_tokens)
    .map((f) => sourceValue(f.source, captionField)).filter((c) => typeof c === 'string' && !state.tokens.has(c)))];
  if (captionField && captions.length) {
    const tokens = (await api('POST', '/_plugins/relevance_feedback/_tokenize', { text: captions })).tokens;
    captions.forEach((c, i) => state.tokens.set(c, tokens[i]));
  }
}

// ---------- rendering ----------

function render() {
  const round = state.rounds[state.current];
  renderHistory();
  $('#toolbar').hidden = !round;
  $('#box-kind-label').hidden = !(round && feedbackIds(round).size && hasSaliency(round));
  renderMarks();
  renderResults(round);
  renderExplain(round);
}

function renderHistory() {
  const nav = $('#history');
  nav.replaceChildren();
  state.rounds.forEach((r, i) => {
    const button = el('button', { type: 'button', class: i === state.current ? 'round current' : 'round', text: `${i + 1}. ${r.title}`,
      onclick: () => { state.current = i; state.marks.clear(); state.regions = []; render(); } });
    if (i === state.current) button.setAttribute('aria-current', 'step');
    nav.append(button);
  });
}

function renderMarks() {
  const up = [...state.marks.values()].filter((m) => m === 'up').length;
  const down = state.marks.size - up;
  const boxes = state.regions.length;
  $('#marks').textContent = `${up} up, ${down} down` + (boxes ? `, ${boxes} box${boxes > 1 ? 'es' : ''}` : '') + ' marked for the next round';
}

function feedbackIds(round) {
  return new Set(round.feedback.filter((f) => f.round === 1).map((f) => f._id));
}

function hasSaliency(round) {
  return round.feedback.some((f) => f.saliency);
}

function renderResults(round) {
  const main = $('#results');
  main.replaceChildren();
  if (!round) return;
  if (round.hits.length === 0) {
    main.append(el('p', { class: 'empty', text: 'No hits: the index is empty or nothing matched.' }));
    return;
  }
  const saliency = new Map(round.feedback.filter((f) => f.saliency && f.round === 1).map((f) => [f._id, f.saliency]));
  const grid = el('ol', { class: 'grid-results' });
  round.hits.forEach((hit, i) => grid.append(card(hit, i + 1, round.moves.get(hit._id), saliency.get(hit._id))));
  main.append(grid);
}

function moveBadge(move) {
  if (move === null || move === undefined) return null;
  if (move === 'new') return el('span', { class: 'move new', title: 'new in this round', text: 'new' });
  if (move === 0) return el('span', { class: 'move same', title: 'same rank', text: '=' });
  return move > 0
    ? el('span', { class: 'move up', title: `up ${move}`, text: `▲${move}` })
    : el('span', { class: 'move down', title: `down ${-move}`, text: `▼${-move}` });
}

function card(hit, rank, move, saliency) {
  const source = hit._source || {};
  const label = sourceValue(source, value('label_field'));
  const text = label === undefined || label === null ? hit._id : String(label);
  const item = el('li', { class: 'card', 'data-id': hit._id, 'data-rank': String(rank) });
  const mark = state.marks.get(hit._id);
  if (mark) item.classList.add(mark);
  item.append(frame(hit._id, sourceValue(source, value('thumbnail_field')), saliency));
  const up = el('button', { type: 'button', class: 'thumb-up', 'aria-label': `relevant: ${text}`, 'aria-pressed': String(mark === 'up'), text: '↑ yes' });
  const down = el('button', { type: 'button', class: 'thumb-down', 'aria-label': `not relevant: ${text}`, 'aria-pressed': String(mark === 'down'), text: '↓ no' });
  const similar = el('button', { type: 'button', class: 'similar', 'aria-label': `more like this: ${text}`, text: 'similar' });
  up.addEventListener('click', () => toggleMark(hit._id, 'up'));
  down.addEventListener('click', () => toggleMark(hit._id, 'down'));
  similar.addEventListener('click', () => searchBy({ like: [hit._id] }, `like ${text}`));
  item.append(
    el('div', { class: 'meta' }, el('span', { class: 'rank', text: `#${rank}` }), moveBadge(move), el('span', { class: 'score', text: hit._score.toFixed(4) })),
    el('div', { class: 'label', title: text, text }),
    el('div', { class: 'marks' }, up, down, similar),
  );
  return item;
}

function toggleMark(id, mark) {
  if (state.marks.get(id) === mark) state.marks.delete(id);
  else state.marks.set(id, mark);
  render();
}

/** A square image frame: thumbnail, optional AFS heat map, and box drawing where the summarizer can take regions. */
function frame(id, thumbnail, saliency) {
  const box = el('div', { class: 'frame' });
  const src = imageSource(thumbnail);
  box.append(src ? el('img', { src, alt: '' }) : el('div', { class: 'noimg', text: 'no image' }));
  if (saliency) {
    box.classList.add('feedback');
    const heat = el('canvas', { class: 'heat', width: '8', height: '8' });
    heat.hidden = true;
    paintHeat(heat, saliency.patches);
    const toggle = el('button', { type: 'button', class: 'heat-toggle', 'aria-pressed': 'false', text: 'heat map',
      'aria-label': `AFS heat map of ${id}` });
    toggle.addEventListener('click', () => {
      heat.hidden = !heat.hidden;
      toggle.setAttribute('aria-pressed', String(!heat.hidden));
    });
    box.append(heat, toggle);
    enableBoxes(box, id);
  }
  for (const r of state.regions.filter((r) => r.id === id)) box.append(boxElement(r.box, r.relevant));
  return box;
}

function paintHeat(canvas, patches) {
  const g = canvas.getContext('2d');
  const n = patches.length;
  canvas.width = n;
  canvas.height = n;
  patches.forEach((row, y) => row.forEach((v, x) => {
    // blue (least attended) to yellow (most): visible over the mostly warm emoji colours
    g.fillStyle = `rgba(${Math.round(255 * v)}, ${Math.round(220 * v)}, ${Math.round(255 * (1 - v))}, 0.6)`;
    g.fillRect(x, y, 1, 1);
  }));
}

function boxElement(b, relevant) {
  const e = el('div', { class: relevant ? 'box relevant' : 'box irrelevant' });
  e.style.left = `${b[0] * 100}%`;
  e.style.top = `${b[1] * 100}%`;
  e.style.width = `${b[2] * 100}%`;
  e.style.height = `${b[3] * 100}%`;
  return e;
}

/** Drag on a feedback image to draw a region box ([x, y, w, h] in the square frame the model sees). */
function enableBoxes(frameNode, id) {
  let start = null;
  let ghost = null;
  const point = (event) => {
    const r = frameNode.getBoundingClientRect();
    return [Math.min(1, Math.max(0, (event.clientX - r.left) / r.width)), Math.min(1, Math.max(0, (event.clientY - r.top) / r.height))];
  };
  const boxOf = (a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])];
  frameNode.addEventListener('pointerdown', (event) => {
    if (event.target.closest('button')) return;
    event.preventDefault();
    start = point(event);
    frameNode.setPointerCapture(event.pointerId);
    ghost = boxElement([start[0], start[1], 0, 0], value('box-kind') === 'true');
    frameNode.append(ghost);
  });
  frameNode.addEventListener('pointermove', (event) => {
    if (!start) return;
    const b = boxOf(start, point(event));
    ghost.replaceWith(ghost = boxElement(b, value('box-kind') === 'true'));
  });
  frameNode.addEventListener('pointerup', (event) => {
    if (!start) return;
    const b = boxOf(start, point(event)).map((v) => Math.round(v * 1000) / 1000);
    start = null;
    ghost.remove();
    if (b[2] < 0.02 || b[3] < 0.02) return;  // a click, not a box
    b[2] = Math.min(b[2], 1 - b[0]);
    b[3] = Math.min(b[3], 1 - b[1]);
    state.regions.push({ id, box: b, relevant: value('box-kind') === 'true' });
    render();
  });
}

function renderExplain(round) {
  const aside = $('#explain');
  aside.replaceChildren();
  aside.hidden = !round || round.feedback.length === 0;
  if (aside.hidden) return;
  aside.append(el('h2', { text: 'Explain: feedback weights' }));
  if (round.breakdown) {
    const b = round.breakdown;
    aside.append(el('p', { class: 'muted', text: `encode ${b.encode_ms.toFixed(1)} ms · passes ${b.passes_ms.map((p) => p.toFixed(1)).join(' / ')} ms · feedback ${b.feedback_ms.toFixed(1)} ms` }));
  }
  const rounds = [...new Set(round.feedback.map((f) => f.round))];
  for (const r of rounds) {
    const table = el('table', { class: 'weights' },
      el('caption', { text: `round ${r}` }),
      el('thead', {}, el('tr', {}, el('th', { text: 'image' }), el('th', { text: 'document' }), el('th', { text: '+ weight' }), el('th', { text: '− weight' }))));
    const body = el('tbody');
    for (const f of round.feedback.filter((x) => x.round === r)) {
      const label = sourceValue(f.source, value('label_field'));
      const name = el('td', {}, el('div', { class: 'label', text: label === undefined || label === null ? f._id : String(label) }),
        el('div', { class: 'muted', text: f._id }), captionWords(f));
      body.append(el('tr', { 'data-id': f._id },
        el('td', {}, frame(f._id, sourceValue(f.source, value('thumbnail_field')), r === 1 ? f.saliency : null)),
        name, weightCell(f.positive_weight, 'pos'), weightCell(f.negative_weight, 'neg')));
    }
    table.append(body);
    aside.append(table);
  }
}

function weightCell(weight, kind) {
  const bar = el('div', { class: `bar ${kind}` });
  bar.style.width = `${Math.round(Math.min(1, Math.max(0, weight)) * 100)}%`;
  return el('td', {}, el('div', { class: 'num', text: weight.toFixed(3) }), bar);
}

/** The caption's words, each shaded by the summarizer's largest score over its BPE tokens. */
function captionWords(f) {
  if (!f.saliency || !f.saliency.caption_tokens) return null;
  const caption = sourceValue(f.source, value('caption_text_field'));
  const tokens = state.tokens.get(caption);
  const scores = f.saliency.caption_tokens;
  if (!tokens || tokens.length !== scores.length) return null;
  const line = el('p', { class: 'words' });
  let word = '';
  let score = 0;
  tokens.forEach((t, i) => {
    if (i === 0 || i === tokens.length - 1) return;  // the start and end tokens
    word += t.replace('</w>', '');
    score = Math.max(score, scores[i]);
    if (t.endsWith('</w>') || i === tokens.length - 2) {
      const span = el('span', { class: 'word', title: score.toFixed(2), text: word });
      span.style.backgroundColor = `rgba(255, 140, 0, ${score.toFixed(3)})`;
      line.append(span, ' ');
      word = '';
      score = 0;
    }
  });
  return line;
}

// ---------- deep links and start-up ----------

function updateLink() {
  const params = new URLSearchParams();
  for (const p of LINK_PARAMS) {
    const v = p === 'q' ? value('q').trim() : value(p);
    if (v !== '') params.set(p, v);
  }
  history.replaceState(null, '', `${location.pathname}?${params}`);
}

function applyLink() {
  const params = new URLSearchParams(location.search);
  if (params.has('index') && state.indices[params.get('index')]) {
    $('#index').value = params.get('index');
    fillFields();
  }
  if (params.has('field') && [...$('#field').options].some((o) => o.value === params.get('field'))) $('#field').value = params.get('field');
  if (STRATEGIES.includes(params.get('strategy'))) $('#strategy').value = params.get('strategy');
  for (const p of ['k', 'top_k', 'rounds']) {
    if (/^[1-9][0-9]{0,4}$/.test(params.get(p) || '')) $('#' + p).value = params.get(p);
  }
  if (params.has('q')) $('#q').value = params.get('q');
  return params.has('q') && params.get('q').trim() !== '';
}

async function start() {
  $('#search').addEventListener('submit', (event) => { event.preventDefault(); search(); });
  $('#index').addEventListener('change', fillFields);
  $('#refine').addEventListener('click', refine);
  $('#image').addEventListener('change', searchByFile);
  await loadModel();
  try {
    await loadIndices();
  } catch (e) {
    showError(`cannot list the indices: ${e.message}`);
    return;
  }
  if (applyLink()) await search();
  else $('#q').focus();
}

document.addEventListener('DOMContentLoaded', start);
