// Chapter 2's playground: a drawing pad and a picker of test digits feed ClassicCnn.lenet.forward, and every
// layer is drawn. The drawing is placed in the 32×32 field the way classic_cnn.data places its digits (the
// numbers come from playground.py's drawing_format), then coded as the network's training data was.
// Its words are payload.text (explorers.json's ui.playground), in the page's language through js/i18n.js.
var ClassicCnn = (typeof ClassicCnn === "object" && ClassicCnn) ? ClassicCnn : {};
ClassicCnn.playgrounds = ClassicCnn.playgrounds || {};
ClassicCnn.playground = function (id) {
  "use strict";
  var lenet = ClassicCnn.lenet, TANH_MAX = 1.7159;
  var root = document.querySelector('[data-ccnn-id="' + id + '"]');
  if (!root || root.getAttribute("data-mounted")) { return; }
  root.setAttribute("data-mounted", "true");
  var payload = JSON.parse(root.querySelector("script[data-weights]").textContent);
  var format = payload.drawing, names = ["classic", "modern"].filter(function (n) { return payload[n]; });
  var words = ClassicCnn.words(root), sentence = ClassicCnn.sentence;
  function say(name, values) { return sentence(words.t(payload.text[name]), values || {}); }
  words.apply(root);
  var networks = {};
  names.forEach(function (name) {
    networks[name] = payload[name].moments.map(function (moment) { return lenet.network(moment.network); });
  });
  function find(selector) { return root.querySelector(selector); }
  var pad = find('[data-input="pad"]'), padContext = pad.getContext("2d");
  var picker = find('[data-control="digit"]'), slider = find('[data-control="moment"]');
  var modernSwitch = find('[data-control="modern"]');
  find('[data-output="status"]').hidden = true;
  format.labels.forEach(function (label, index) {
    picker.appendChild(element("option", { value: index }, say("option", { number: index + 1, digit: format.classes[label] })));
  });

  // --- from a drawing or a test digit to the network's input ---

  // The test digits' scans (side×side bytes, 0..levels) as pixels in [0, 1].
  var scanBytes = atob(format.scans), scanArea = format.side * format.side;
  function scanOf(index) {
    var scan = new Float64Array(scanArea);
    for (var n = 0; n < scanArea; n++) { scan[n] = scanBytes.charCodeAt(index * scanArea + n) / format.levels; }
    return scan;
  }

  // Strokes (lists of points) redrawn into the scan's box: the bounding box of the ink, made square and
  // centred, with a pen as wide as format.pen of the box; drawn 4× finer, then each 4×4 block averaged
  // (as the 8×8 digits were counted from 32×32 bitmaps).
  var FINE = 4, fine = document.createElement("canvas");
  fine.width = fine.height = format.box * FINE;
  var fineContext = fine.getContext("2d", { willReadFrequently: true });
  function rasterize(strokes) {
    var scan = new Float64Array(scanArea), points = [].concat.apply([], strokes);
    if (!points.length) { return scan; }
    var xs = points.map(function (p) { return p[0]; }), ys = points.map(function (p) { return p[1]; });
    var left = Math.min.apply(null, xs), right = Math.max.apply(null, xs);
    var top = Math.min.apply(null, ys), bottom = Math.max.apply(null, ys);
    var size = fine.width, pen = format.pen * size, zoom = (size - pen) / Math.max(right - left, bottom - top, 1);
    var at = function (p) { return [size / 2 + (p[0] - (left + right) / 2) * zoom, size / 2 + (p[1] - (top + bottom) / 2) * zoom]; };
    fineContext.clearRect(0, 0, size, size);
    fineContext.lineWidth = pen;
    fineContext.lineCap = fineContext.lineJoin = "round";
    strokes.forEach(function (stroke) {
      fineContext.beginPath();
      var first = at(stroke[0]);
      fineContext.moveTo(first[0], first[1]);
      stroke.forEach(function (p) { var q = at(p); fineContext.lineTo(q[0], q[1]); });
      if (stroke.length === 1) { fineContext.lineTo(first[0] + 0.01, first[1]); }  // a dot
      fineContext.stroke();
    });
    var alpha = fineContext.getImageData(0, 0, size, size).data, offset = (format.side - format.box) / 2;
    for (var y = 0; y < format.box; y++) {
      for (var x = 0; x < format.box; x++) {
        var sum = 0;
        for (var dy = 0; dy < FINE; dy++) {
          for (var dx = 0; dx < FINE; dx++) { sum += alpha[4 * ((y * FINE + dy) * size + x * FINE + dx) + 3]; }
        }
        scan[(offset + y) * format.side + offset + x] = sum / (255 * FINE * FINE);
      }
    }
    return scan;
  }

  // The scan resized to inner×inner (bilinear, as F.interpolate with align_corners=False) and put
  // `margin` pixels from the top left of the field: what classic_cnn.data does to its digits.
  function place(scan) {
    var side = format.side, inner = format.inner, field = new Float64Array(format.field * format.field);
    var ratio = side / inner;
    function source(d) { return Math.max(0, (d + 0.5) * ratio - 0.5); }
    for (var y = 0; y < inner; y++) {
      var sy = source(y), y0 = Math.floor(sy), y1 = Math.min(y0 + 1, side - 1), ly = sy - y0;
      for (var x = 0; x < inner; x++) {
        var sx = source(x), x0 = Math.floor(sx), x1 = Math.min(x0 + 1, side - 1), lx = sx - x0;
        var value = (1 - ly) * ((1 - lx) * scan[y0 * side + x0] + lx * scan[y0 * side + x1]) +
          ly * ((1 - lx) * scan[y1 * side + x0] + lx * scan[y1 * side + x1]);
        field[(format.margin + y) * format.field + format.margin + x] = Math.min(1, Math.max(0, value));
      }
    }
    return field;
  }

  // Pixels in [0, 1] coded as the network's training data: (pixel - shift) / scale. The classic network's
  // shift and scale give the paper's -0.1 background and 1.175 ink; the modern one's standardize.
  function code(field, name) {
    var c = payload[name].coding;
    return field.map(function (p) { return (p - c.shift) / c.scale; });
  }

  // --- drawing the layers ---

  function element(tag, attributes, text) {
    var e = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) { e.setAttribute(key, attributes[key]); });
    if (text) { e.textContent = text; }
    return e;
  }

  // Maps side by side (perRow in a row), one pixel per unit, darker = larger, zoomed by CSS.
  function drawMaps(canvas, values, size, perRow, low, high, zoom) {
    var maps = values.length / (size * size), rows = Math.ceil(maps / perRow);
    var width = perRow * (size + 1) - 1, height = rows * (size + 1) - 1;
    var context = canvas.getContext("2d");
    if (canvas.width !== width || canvas.height !== height || !canvas.image) {
      canvas.width = width; canvas.height = height; canvas.style.width = width * zoom + "px";
      canvas.image = context.createImageData(width, height);  // kept: one per canvas, refilled on each update
    }
    var image = canvas.image, pixels = image.data;
    for (var n = 0; n < pixels.length; n += 4) { pixels[n] = 215; pixels[n + 1] = 225; pixels[n + 2] = 245; pixels[n + 3] = 255; }
    for (var m = 0; m < maps; m++) {
      var left = (m % perRow) * (size + 1), top = Math.floor(m / perRow) * (size + 1);
      for (var y = 0; y < size; y++) {
        for (var x = 0; x < size; x++) {
          var t = (values[(m * size + y) * size + x] - low) / (high - low);
          var grey = Math.round(255 * (1 - Math.min(1, Math.max(0, t)))), at = 4 * ((top + y) * width + left + x);
          pixels[at] = pixels[at + 1] = pixels[at + 2] = grey;
        }
      }
    }
    context.putImageData(image, 0, 0);
  }

  // One bar per unit, up from the middle line for positive values, down for negative ones.
  function drawBars(canvas, values, low, high, marked) {
    var step = 3, height = 40, context = canvas.getContext("2d");
    if (canvas.width !== values.length * step) { canvas.width = values.length * step; canvas.height = height; }
    context.clearRect(0, 0, canvas.width, height);
    var zero = height * high / (high - low);
    values.forEach(function (v, i) {
      var end = height * (high - Math.min(high, Math.max(low, v))) / (high - low);
      context.fillStyle = i === marked ? "#c0392b" : "#34495e";
      context.fillRect(i * step, Math.min(zero, end), step - 1, Math.max(1, Math.abs(end - zero)));
    });
  }

  // The ten outputs with their digits: distances (shorter is nearer) or the modern network's probabilities.
  function drawOutputs(canvas, values, prediction, label) {
    var step = 30, height = 80, context = canvas.getContext("2d"), most = Math.max.apply(null, values) || 1;
    if (canvas.width !== values.length * step) { canvas.width = values.length * step; canvas.height = height; }
    context.clearRect(0, 0, canvas.width, height);
    context.font = "12px sans-serif";
    context.textAlign = "center";
    values.forEach(function (v, d) {
      var bar = Math.max(1, 50 * v / most);
      context.fillStyle = d === prediction ? "#c0392b" : "#34495e";
      context.fillRect(d * step + 6, 62 - bar, step - 12, bar);
      context.fillText(format.classes[d], d * step + step / 2, 76);
      context.font = "10px sans-serif";
      context.fillText(label(v), d * step + step / 2, 60 - bar);
      context.font = "12px sans-serif";
    });
  }

  var LAYERS = [  // name, maps, map side, maps per row, zoom
    ["input", 1, 32, 1, 4], ["C1", 6, 28, 6, 2], ["S2", 6, 14, 6, 2], ["C3", 16, 10, 8, 3], ["S4", 16, 5, 8, 4]
  ];
  function describe(layer) {
    return layer[0] === "input" ? say("field", { size: layer[2] }) :
      say("maps", { layer: layer[0], count: layer[1], size: layer[2] });
  }
  var panels = {};
  names.forEach(function (name) {
    var panel = element("div", { "data-network": name }), canvases = {};
    panel.appendChild(element("div", { class: "ccnn-title" }, say(name + "_title")));
    panel.appendChild(element("div", { "data-output": "prediction" }));
    LAYERS.map(function (layer) { return [layer[0], describe(layer)]; }).concat([
      ["C5", say("units", { layer: "C5", count: 120 })], ["F6", say("units", { layer: "F6", count: 84 })],
      ["output", say(name + "_output")]
    ]).forEach(function (layer) {
      panel.appendChild(element("p", { class: "ccnn-layer" }, layer[1]));
      canvases[layer[0]] = panel.appendChild(element("canvas", { "data-layer": layer[0], role: "img", "aria-label": layer[1] }));
    });
    panels[name] = { root: panel, canvases: canvases };
    find('[data-output="networks"]').appendChild(panel);
  });

  // --- state and updates ---

  var strokes = [], picked = 0, state = { timings: [], last: {} };

  function field() {
    if (strokes.length) { return place(rasterize(strokes)); }
    return place(picked < 0 ? new Float64Array(scanArea) : scanOf(picked));
  }

  function momentOf(name) {  // the slider's moment for the classic network; the modern one has its last only
    return name === "classic" ? Number(slider.value) : networks[name].length - 1;
  }

  function show(name, layers) {
    var canvases = panels[name].canvases, classic = name === "classic", c = payload[name].coding;
    drawMaps(canvases.input, layers.input, format.field, 1, (0 - c.shift) / c.scale, (1 - c.shift) / c.scale, 4);
    LAYERS.slice(1).forEach(function (layer) {
      var values = layers[layer[0]], high = classic ? TANH_MAX : Math.max.apply(null, values) || 1;
      drawMaps(canvases[layer[0]], values, layer[2], layer[3], classic ? -TANH_MAX : 0, high, layer[4]);
    });
    ["C5", "F6"].forEach(function (layer) {
      var values = layers[layer], high = classic ? TANH_MAX : Math.max.apply(null, values) || 1;
      drawBars(canvases[layer], values, classic ? -TANH_MAX : 0, high, -1);
    });
    var outputs = classic ? layers.distances : softmax(layers.scores), digit = format.classes[layers.prediction];
    drawOutputs(canvases.output, outputs, layers.prediction, classic ?
      function (v) { return v.toFixed(0); } : function (v) { return (100 * v).toFixed(0) + "%"; });
    panels[name].root.setAttribute("data-prediction", digit);
    var moment = words.translate(payload[name].moments[momentOf(name)].label);
    find('[data-network="' + name + '"] [data-output="prediction"]').textContent = classic ?
      say("classic_reads", { digit: digit, distance: layers.distances[layers.prediction].toFixed(1), moment: moment }) :
      say("modern_reads", { digit: digit, probability: (100 * outputs[layers.prediction]).toFixed(1), moment: moment });
  }

  function softmax(scores) {
    var most = Math.max.apply(null, scores), e = scores.map(function (s) { return Math.exp(s - most); });
    var sum = e.reduce(function (a, b) { return a + b; }, 0);
    return e.map(function (v) { return v / sum; });
  }

  function update() {
    var start = performance.now(), input = field();
    var visible = names.filter(function (name) { return name === "classic" || (modernSwitch && modernSwitch.checked); });
    names.forEach(function (name) { panels[name].root.hidden = visible.indexOf(name) < 0; });
    visible.forEach(function (name) {
      state.last[name] = lenet.forward(networks[name][momentOf(name)], code(input, name));
      show(name, state.last[name]);
    });
    find('[data-value="moment"]').textContent = words.translate(payload.classic.moments[Number(slider.value)].label);
    state.timings.push(performance.now() - start);
    if (state.timings.length > 10000) { state.timings.shift(); }
  }

  var pending = false;
  function soon() {  // at most one update per frame, however fast the pointer moves
    if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; update(); }); }
  }

  // --- the pad: mouse, touch and pen through pointer events ---

  function showScan(scan) {
    var cell = pad.width / format.side;
    padContext.clearRect(0, 0, pad.width, pad.height);
    for (var n = 0; n < scanArea; n++) {
      padContext.fillStyle = "rgba(0,0,0," + scan[n] + ")";
      padContext.fillRect((n % format.side) * cell, Math.floor(n / format.side) * cell, cell, cell);
    }
  }
  function point(event) {
    var box = pad.getBoundingClientRect();
    return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
  }
  var drawing = false;
  pad.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    if (!strokes.length) { padContext.clearRect(0, 0, pad.width, pad.height); }  // a picked digit gives way
    drawing = true;
    if (pad.setPointerCapture) { pad.setPointerCapture(event.pointerId); }
    strokes.push([point(event)]);
    padContext.lineWidth = 14; padContext.lineCap = padContext.lineJoin = "round";
    soon();
  });
  pad.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    var stroke = strokes[strokes.length - 1], from = stroke[stroke.length - 1], to = point(event);
    stroke.push(to);
    padContext.beginPath(); padContext.moveTo(from[0], from[1]); padContext.lineTo(to[0], to[1]); padContext.stroke();
    soon();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (type) {
    pad.addEventListener(type, function () { drawing = false; });
  });

  find('[data-action="clear"]').addEventListener("click", function () {
    strokes = [];
    picked = -1;  // a clear pad is a blank field, not the picked digit
    padContext.clearRect(0, 0, pad.width, pad.height);
    update();
  });
  picker.addEventListener("change", function () {
    strokes = [];
    picked = Number(picker.value);
    showScan(scanOf(picked));
    update();
  });
  [slider, modernSwitch].forEach(function (control) {
    if (!control) { return; }
    control.addEventListener("input", update);
    control.addEventListener("change", update);
    control.addEventListener("keydown", function (event) { event.stopPropagation(); });  // JupyterLab's arrow keys
  });
  picker.addEventListener("keydown", function (event) { event.stopPropagation(); });

  ClassicCnn.playgrounds[id] = {
    networks: networks, payload: payload, scanOf: scanOf, rasterize: rasterize, place: place, code: code,
    field: field, update: update, timings: state.timings, get last() { return state.last; },
    get strokes() { return strokes; }
  };
  showScan(scanOf(picked));
  update();
};
