// The page's two message boxes: an error (role=alert) and a notice (role=status). Empty text hides one.
const box = (id) => document.getElementById(id);

function message(el, text) {
  el.replaceChildren();
  if (!text) { el.hidden = true; return; }
  const div = document.createElement('div');
  div.textContent = text;
  el.append(div);
  el.hidden = false;
}

export const showError = (text) => message(box('error'), text);
export const showNotice = (text) => message(box('notice'), text);
