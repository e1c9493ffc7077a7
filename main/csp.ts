/** The renderer's policy, in the Electron window and in browser mode alike: no inline or eval'd script, nothing from other origins. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
