// Copying a short text (a tracking number) to the clipboard: the asynchronous Clipboard API, else
// the older execCommand("copy") on a temporary text field (pages without the permission or not on
// https). Resolves to whether the text was copied.

/** @param root the shadow root (or document) to put the temporary field in */
export async function copyText(root, text) {
  const clipboard = globalThis.navigator && globalThis.navigator.clipboard;
  if (clipboard && typeof clipboard.writeText === "function") {
    try {
      await clipboard.writeText(text);
      return true;
    } catch (_err) {
      /* refused (no permission, not focused): try the fallback */
    }
  }
  const doc = root.ownerDocument || root;
  const field = doc.createElement("textarea");
  field.value = text;
  field.setAttribute("readonly", "");
  field.className = "xf-visually-hidden";
  (root.host ? root : doc.body).appendChild(field);
  try {
    field.select();
    return doc.execCommand("copy") === true;
  } catch (_err) {
    return false;
  } finally {
    field.remove();
  }
}
