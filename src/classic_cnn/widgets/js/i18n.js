// An output's words in the page's language. Every output carries the Korean words it shows, as English → Korean
// (<script type="application/json" data-ccnn-words="ko">, from classic_cnn's catalog); they apply when the output
// is Korean: lang="ko" on the output itself (rendered under CLASSIC_CNN_LANG=ko) or on the page (<html lang="ko">,
// the Korean site). Otherwise nothing changes. English strings with {name} placeholders are templates: a text
// that fits one is translated with its values kept.
var ClassicCnn = (typeof ClassicCnn === "object" && ClassicCnn) ? ClassicCnn : {};

// A template with {name} replaced by String(values[name]) (explorers.sentence in Python)
ClassicCnn.sentence = function (template, values) {
  "use strict";
  return template.replace(/\{(\w+)\}/g, function (match, name) { return String(values[name]); });
};

// A JSON value with every string that `words` knows replaced (explorers.json's sentences, as i18n.localized)
ClassicCnn.localize = function (value, words) {
  "use strict";
  if (typeof value === "string") { return Object.prototype.hasOwnProperty.call(words, value) ? words[value] : value; }
  if (Array.isArray(value)) { return value.map(function (item) { return ClassicCnn.localize(item, words); }); }
  if (value && typeof value === "object") {
    var out = {};
    Object.keys(value).forEach(function (key) { out[key] = ClassicCnn.localize(value[key], words); });
    return out;
  }
  return value;
};

ClassicCnn.words = function (root) {
  "use strict";
  var script = root.querySelector("script[data-ccnn-words]"), holder = root.closest("[lang]");
  var lang = holder ? holder.getAttribute("lang").toLowerCase() : "";
  var wanted = script ? script.getAttribute("data-ccnn-words") : null;
  var words = wanted && (lang === wanted || lang.indexOf(wanted + "-") === 0) ? JSON.parse(script.textContent) : {};
  var templates = Object.keys(words).filter(function (english) { return /\{\w+\}/.test(english); })
    .sort(function (a, b) { return b.length - a.length; })
    .map(function (english) {
      var names = [], parts = english.split(/\{(\w+)\}/).map(function (part, index) {
        if (index % 2) { names.push(part); return "([\\s\\S]*?)"; }
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      });
      return { pattern: new RegExp("^" + parts.join("") + "$"), names: names, translation: words[english] };
    });

  function t(english) { return Object.prototype.hasOwnProperty.call(words, english) ? words[english] : english; }

  // A shown text: a word of the table, or a filled template
  function translate(text) {
    if (Object.prototype.hasOwnProperty.call(words, text)) { return words[text]; }
    for (var i = 0; i < templates.length; i++) {
      var found = templates[i].pattern.exec(text);
      if (found) {
        var values = {};
        templates[i].names.forEach(function (name, at) { values[name] = found[at + 1]; });
        return ClassicCnn.sentence(templates[i].translation, values);
      }
    }
    return text;
  }

  // Every text and aria-label under `element` that the words know
  function apply(element) {
    if (!Object.keys(words).length) { return; }
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT), nodes = [], node;
    while ((node = walker.nextNode())) { nodes.push(node); }
    nodes.forEach(function (text) {
      var core = text.nodeValue.trim();
      if (!core || text.parentNode.closest("script, style")) { return; }
      var shown = translate(core);
      if (shown !== core) { text.nodeValue = text.nodeValue.replace(core, function () { return shown; }); }
    });
    Array.prototype.forEach.call(element.querySelectorAll("[aria-label]"), function (labelled) {
      labelled.setAttribute("aria-label", translate(labelled.getAttribute("aria-label")));
    });
  }

  return { words: words, t: t, translate: translate, apply: apply };
};
