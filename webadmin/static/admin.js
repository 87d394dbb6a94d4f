// Orgbook admin pages: the little the pages need beyond plain HTML.
// Loaded as a file (the Content-Security-Policy allows no inline script).
'use strict';

// Forms with data-confirm ask before they submit (deletes).
document.addEventListener('submit', (ev) => {
  const f = ev.target;
  if (f instanceof HTMLFormElement && f.dataset.confirm &&
      !window.confirm(f.dataset.confirm)) {
    ev.preventDefault();
  }
});

// Photos are shrunk in the browser before upload: at most 512 pixels on
// the long side, JPEG, and under the server's byte cap (data-max-bytes).
const MAX_SIDE = 512;

function loadImage(file) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => { URL.revokeObjectURL(url); resolve(img); };
    img.onerror = () => { URL.revokeObjectURL(url); reject(new Error('not an image')); };
    img.src = url;
  });
}

function toBlob(canvas, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

async function shrink(input) {
  const file = input.files && input.files[0];
  const cap = Number(input.dataset.maxBytes) || 262144;
  if (!file) return;
  let img;
  try {
    img = await loadImage(file);
  } catch (e) {
    return; // the server names the problem
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
  if (scale === 1 && file.size <= cap && /^image\/(jpeg|png)$/.test(file.type)) return;
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
  canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
  let blob = null;
  for (const q of [0.85, 0.7, 0.5, 0.3]) {
    blob = await toBlob(canvas, q);
    if (blob && blob.size <= cap) break;
  }
  if (!blob) return;
  const dt = new DataTransfer();
  dt.items.add(new File([blob], file.name.replace(/\.[^.]*$/, '') + '.jpg',
                        { type: 'image/jpeg' }));
  input.files = dt.files;
  input.dataset.shrunk = String(blob.size);
}

document.addEventListener('change', (ev) => {
  const el = ev.target;
  if (el instanceof HTMLInputElement && el.type === 'file' && el.dataset.maxBytes) {
    const form = el.form;
    const button = form && form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    shrink(el).finally(() => { if (button) button.disabled = false; });
  }
});

// The directory's bulk form: "All on this page" checks every person of the
// page, and the bar says how many are checked.
function countPicked(form) {
  const boxes = form.querySelectorAll('input[name=uid]');
  const n = [...boxes].filter((b) => b.checked).length;
  const out = form.querySelector('.picked');
  if (out) out.textContent = n ? `${n} checked` : '';
  const all = form.querySelector('input.pick-all');
  if (all) {
    all.checked = n > 0 && n === boxes.length;
    all.indeterminate = n > 0 && n < boxes.length;
  }
}

document.addEventListener('change', (ev) => {
  const el = ev.target;
  if (!(el instanceof HTMLInputElement) || !el.form || el.form.id !== 'bulk') return;
  if (el.classList.contains('pick-all')) {
    for (const b of el.form.querySelectorAll('input[name=uid]')) b.checked = el.checked;
  }
  countPicked(el.form);
});

// The browser's UTC offset in minutes (east positive) for the server to
// show times in the administrator's zone (webadmin/i18n.h: an offset, not
// a zone name). Pages before the first one that sets it show UTC.
(() => {
  const off = -new Date().getTimezoneOffset();
  if (!document.cookie.split('; ').includes('ob_tz=' + off)) {
    document.cookie = 'ob_tz=' + off + '; Path=/; Max-Age=31536000; SameSite=Strict' +
      (location.protocol === 'https:' ? '; Secure' : '');
  }
})();

// Each <time datetime="...Z"> in the browser's zone at that date (so a
// date across a daylight-saving change is right, which the server's one
// offset cannot be), in the server's format: "2026-12-03 00:40 UTC+08:00".
function localTime(el) {
  const d = new Date(el.dateTime);
  if (Number.isNaN(d.getTime())) return;
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60000).toISOString();
  const a = Math.abs(off);
  const zone = off === 0 ? '' : (off < 0 ? '-' : '+') +
    String(Math.floor(a / 60)).padStart(2, '0') + ':' + String(a % 60).padStart(2, '0');
  el.textContent = `${local.slice(0, 10)} ${local.slice(11, 16)} UTC${zone}`;
}
document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('time[datetime]').forEach(localTime);
});
