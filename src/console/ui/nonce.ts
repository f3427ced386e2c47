// The page's style nonce (a new one per page load, in the CSP header and on the page's script
// element). CodeMirror takes it (EditorView.cspNonce); xterm.js has no option for it and creates
// its own <style> elements, so while a terminal is being built, the style elements made are given
// the nonce (styleNonceDuring). Markup injected into the page still cannot style it: it has no nonce.
export const NONCE: string =
  (document.querySelector('script[nonce]') as HTMLScriptElement | null)?.nonce ?? '';

/** Runs `f` with every `<style>` element created meanwhile carrying the page's nonce. */
export function styleNonceDuring<T>(f: () => T): T {
  const create = document.createElement;
  document.createElement = function (this: Document, tag: string, o?: ElementCreationOptions) {
    const el = create.call(this, tag, o);
    if (tag.toLowerCase() === 'style') el.setAttribute('nonce', NONCE);
    return el;
  } as typeof document.createElement;
  try {
    return f();
  } finally {
    document.createElement = create;
  }
}
