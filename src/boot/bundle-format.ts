/**
 * What a bundle in dist/ is: one function expression of CommonJS's five module arguments. The
 * build writes it around the bundle's code (scripts/build.mjs, esbuild's banner and footer, which
 * keep the source map's lines right), so the loader hands V8 the file's text as it is: no wrapped
 * copy of half a megabyte made on every start.
 */
export const BUNDLE_BANNER = '(function (exports, require, module, __filename, __dirname) {';
export const BUNDLE_FOOTER = '})';
