/** The pages import their stylesheets; esbuild bundles them into one CSS file per page. */
declare module '*.css';
