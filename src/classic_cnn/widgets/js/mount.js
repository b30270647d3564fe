// Wires a static explorer's controls to ClassicCnn.render: no kernel, no network, no other assets.
// Hooks (stable, for tests): the root has data-explorer="<kind>" and data-ccnn-id; every control is an
// <input>/<select data-control="<setting>">, its shown value <output data-value="<setting>">, buttons carry
// data-action, and the redrawn area is [data-output="view"] (inside it: data-output="size", "status", ...).
// On a Korean page (or a Korean output) the words it carries replace the English ones (js/i18n.js).
var ClassicCnn = (typeof ClassicCnn === "object" && ClassicCnn) ? ClassicCnn : {};
ClassicCnn.mount = function (id) {
  "use strict";
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function mountOne(root) {
    var kind = root.getAttribute("data-explorer");
    var controls = root.querySelectorAll("[data-control]");
    var view = root.querySelector('[data-output="view"]');
    var words = ClassicCnn.words(root), text = ClassicCnn.localize(ClassicCnn.TEXT.text, words.words);
    words.apply(root);

    function settings() {
      var values = {};
      each(controls, function (control) {
        var name = control.getAttribute("data-control");
        values[name] = control.tagName === "SELECT" ? control.value : parseInt(control.value, 10);
      });
      return values;
    }

    function update() {
      var values = settings();
      each(controls, function (control) {
        var shown = root.querySelector('[data-value="' + control.getAttribute("data-control") + '"]');
        if (shown) { shown.textContent = control.value; }
      });
      if (ClassicCnn.render && ClassicCnn.render[kind]) {
        try { view.innerHTML = ClassicCnn.render[kind](values, text); } catch (error) { view.textContent = error.message; }
      } else {  // pre-rendered panels (the architecture walker): show the chosen one
        each(root.querySelectorAll("[data-panel]"), function (panel) {
          panel.hidden = panel.getAttribute("data-panel") !== values[controls[0].getAttribute("data-control")];
        });
      }
    }

    each(controls, function (control) {
      control.addEventListener("input", update);
      control.addEventListener("change", update);
      // JupyterLab's notebook takes arrow keys for itself; keep them for the slider that has the focus
      control.addEventListener("keydown", function (event) { event.stopPropagation(); });
    });
    each(root.querySelectorAll("[data-action]"), function (button) {
      button.addEventListener("click", function () {
        var change = ClassicCnn.actions[kind][button.getAttribute("data-action")](settings());
        Object.keys(change).forEach(function (name) {
          var control = root.querySelector('[data-control="' + name + '"]');
          if (!control) { return; }
          if (control.max !== undefined && control.max !== "" && change[name] > Number(control.max)) {
            control.max = change[name];
          }
          control.value = change[name];
        });
        update();
      });
    });
    update();
  }

  each(document.querySelectorAll('[data-ccnn-id="' + id + '"]'), function (root) {
    if (root.getAttribute("data-mounted")) { return; }
    root.setAttribute("data-mounted", "true");
    mountOne(root);
  });
};
