// A Fluent catalogue imported as text (esbuild's `text` loader, ui/build.mjs).
declare module "*.ftl" {
  const text: string;
  export default text;
}
