// Vite's `?raw` imports (file contents as a string), used to post the examples/ files in tests.
declare module '*?raw' {
  const content: string
  export default content
}
