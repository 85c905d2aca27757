export function greeting(bundler) {
  return `vite-spa says hello, bundled by ${bundler}`;
}
